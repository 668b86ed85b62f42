/**
 * Who buys from a generated shop: countries (with their presentment currency,
 * locales and a flat tax rate) and names. Weights aim at roughly a fifth of
 * orders paid in a currency other than USD.
 */

export interface CountryProfile {
  code: string;
  weight: number;
  /** Presentment currency most shoppers there pay in. */
  currency: string;
  locales: readonly string[];
  taxBasisPoints: number;
  phonePrefix: string;
  firstNames: readonly string[];
  lastNames: readonly string[];
}

const EN_FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Ethan", "Harper", "Mason", "Amelia", "Logan", "Ella", "Jack", "Grace", "Owen", "Chloe", "Henry", "Zoe", "Leo", "Nora", "Isaac", "Ruby", "Aiden", "Layla", "Caleb", "Aria", "Wyatt"];
const EN_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter"];

export const COUNTRIES: readonly CountryProfile[] = [
  { code: "US", weight: 66, currency: "USD", locales: ["en"], taxBasisPoints: 700, phonePrefix: "+1555", firstNames: EN_FIRST, lastNames: EN_LAST },
  { code: "CA", weight: 6, currency: "CAD", locales: ["en", "en", "fr"], taxBasisPoints: 1300, phonePrefix: "+1416", firstNames: EN_FIRST, lastNames: [...EN_LAST.slice(0, 20), "Tremblay", "Gagnon", "Roy", "Cote"] },
  { code: "GB", weight: 6, currency: "GBP", locales: ["en"], taxBasisPoints: 2000, phonePrefix: "+4477", firstNames: ["Oliver", "George", "Amelia", "Isla", "Arthur", "Freya", "Alfie", "Poppy", "Harry", "Florence"], lastNames: ["Evans", "Hughes", "Patel", "Clarke", "Wood", "Turner", "Cooper", "Ward", "Morris", "Price"] },
  { code: "DE", weight: 5, currency: "EUR", locales: ["de", "de", "en"], taxBasisPoints: 1900, phonePrefix: "+49151", firstNames: ["Lukas", "Mia", "Leon", "Hannah", "Felix", "Emilia", "Jonas", "Lena", "Paul", "Marie"], lastNames: ["Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch"] },
  { code: "FR", weight: 4, currency: "EUR", locales: ["fr"], taxBasisPoints: 2000, phonePrefix: "+336", firstNames: ["Louise", "Gabriel", "Jade", "Raphael", "Chloe", "Arthur", "Lea", "Jules", "Manon", "Hugo"], lastNames: ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"] },
  { code: "AU", weight: 4, currency: "AUD", locales: ["en"], taxBasisPoints: 1000, phonePrefix: "+614", firstNames: EN_FIRST, lastNames: EN_LAST },
  { code: "JP", weight: 3, currency: "JPY", locales: ["ja", "ja", "en"], taxBasisPoints: 1000, phonePrefix: "+8190", firstNames: ["Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura", "Riku", "Mei"], lastNames: ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"] },
  { code: "CN", weight: 2, currency: "USD", locales: ["zh-CN"], taxBasisPoints: 0, phonePrefix: "+86138", firstNames: ["Wei", "Fang", "Jing", "Lei", "Min", "Yan", "Hao", "Xiu", "Jun", "Ling"], lastNames: ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"] },
  { code: "NL", weight: 2, currency: "EUR", locales: ["nl", "en"], taxBasisPoints: 2100, phonePrefix: "+316", firstNames: ["Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sara"], lastNames: ["de Jong", "Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer"] },
  { code: "MX", weight: 2, currency: "USD", locales: ["es"], taxBasisPoints: 1600, phonePrefix: "+5255", firstNames: ["Santiago", "Sofia", "Mateo", "Valentina", "Diego", "Camila", "Emiliano", "Regina"], lastNames: ["Hernandez", "Garcia", "Martinez", "Lopez", "Gonzalez", "Perez", "Rodriguez", "Sanchez"] },
];

const emailSafeCache = new Map<string, string>();

/** ASCII-fold a name for an email local part ("de Jong" -> "dejong"); memoised, as names repeat in hot loops. */
export function emailSafe(name: string): string {
  let safe = emailSafeCache.get(name);
  if (safe === undefined) {
    safe = name.toLowerCase().replace(/[^a-z0-9]/g, "");
    emailSafeCache.set(name, safe);
  }
  return safe;
}

export const EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com"] as const;

export const CUSTOMER_NOTES = [
  "Prefers eco packaging",
  "Wholesale enquiry 2024",
  "Asked about subscription pause",
  "VIP: handwritten note with orders",
  "Allergic to lavender",
] as const;
