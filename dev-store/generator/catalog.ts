/**
 * Product catalogue templates for generated shops: a DTC store mixing
 * consumables (which drive repeat purchases on a cycle) with durable goods.
 */

export interface ProductTemplate {
  productType: string;
  vendor: string;
  /** Days until it runs out; null for durable goods. */
  repurchaseDays: number | null;
  /** Title stems; the generator adds a name from `names`. */
  stem: string;
  names: readonly string[];
  /** Variant titles, cheapest first, and the price multiplier of each over the base. */
  variants: readonly { title: string; priceFactorPct: number }[];
  /** Base unit price range in USD minor units. */
  priceUsdMinor: readonly [number, number];
  tags: readonly string[];
  /** Relative popularity of the category. */
  weight: number;
}

export const PRODUCT_TEMPLATES: readonly ProductTemplate[] = [
  {
    productType: "Coffee", vendor: "Evergreen Roasters", repurchaseDays: 30, stem: "Coffee",
    names: ["Ethiopia Yirgacheffe", "Colombia Huila", "House Espresso", "Sumatra Mandheling", "Decaf Swiss Water", "Kenya AA", "Guatemala Antigua", "Morning Blend"],
    variants: [{ title: "250g", priceFactorPct: 100 }, { title: "500g", priceFactorPct: 185 }, { title: "1kg", priceFactorPct: 340 }],
    priceUsdMinor: [1290, 1990], tags: ["consumable", "coffee", "subscribable"], weight: 9,
  },
  {
    productType: "Tea", vendor: "Leaf & Kettle", repurchaseDays: 35, stem: "Tea",
    names: ["Sencha", "Earl Grey", "Jasmine Pearl", "Rooibos", "Chai Masala", "Oolong", "Chamomile"],
    variants: [{ title: "50g tin", priceFactorPct: 100 }, { title: "100g pouch", priceFactorPct: 170 }],
    priceUsdMinor: [990, 1690], tags: ["consumable", "tea"], weight: 5,
  },
  {
    productType: "Skincare", vendor: "Glow Lab", repurchaseDays: 60, stem: "",
    names: ["Vitamin C Serum", "Hyaluronic Moisturiser", "Gentle Cleanser", "Night Repair Cream", "SPF 50 Fluid", "Retinol Serum", "Clay Mask"],
    variants: [{ title: "30ml", priceFactorPct: 100 }, { title: "50ml", priceFactorPct: 150 }],
    priceUsdMinor: [2400, 5900], tags: ["consumable", "skincare", "beauty"], weight: 7,
  },
  {
    productType: "Vitamins", vendor: "Daily Dose", repurchaseDays: 30, stem: "",
    names: ["Daily Multivitamin", "Vitamin D3", "Omega-3", "Magnesium Glycinate", "Probiotic", "Iron Complex", "Zinc + C"],
    variants: [{ title: "60 count", priceFactorPct: 100 }, { title: "120 count", priceFactorPct: 180 }],
    priceUsdMinor: [1490, 3490], tags: ["consumable", "vitamins", "wellness", "subscribable"], weight: 7,
  },
  {
    productType: "Razors", vendor: "Keen Edge", repurchaseDays: 45, stem: "",
    names: ["Replacement Blades", "Sensitive Blades", "Shave Gel", "Aftershave Balm"],
    variants: [{ title: "4 pack", priceFactorPct: 100 }, { title: "8 pack", priceFactorPct: 180 }],
    priceUsdMinor: [900, 2200], tags: ["consumable", "grooming"], weight: 4,
  },
  {
    productType: "Pet Food", vendor: "Happy Paws", repurchaseDays: 28, stem: "",
    names: ["Grain-Free Kibble", "Salmon Treats", "Senior Formula", "Puppy Formula", "Dental Chews"],
    variants: [{ title: "2kg", priceFactorPct: 100 }, { title: "6kg", priceFactorPct: 260 }],
    priceUsdMinor: [1990, 3990], tags: ["consumable", "pets"], weight: 4,
  },
  {
    productType: "Hair Care", vendor: "Glow Lab", repurchaseDays: 50, stem: "",
    names: ["Repair Shampoo", "Volume Conditioner", "Scalp Scrub", "Hair Oil"],
    variants: [{ title: "250ml", priceFactorPct: 100 }, { title: "500ml", priceFactorPct: 170 }],
    priceUsdMinor: [1600, 3200], tags: ["consumable", "haircare", "beauty"], weight: 4,
  },
  {
    productType: "Protein", vendor: "Daily Dose", repurchaseDays: 40, stem: "Protein",
    names: ["Whey Vanilla", "Whey Chocolate", "Plant Berry", "Plant Cacao"],
    variants: [{ title: "1kg", priceFactorPct: 100 }, { title: "2.5kg", priceFactorPct: 220 }],
    priceUsdMinor: [3290, 4990], tags: ["consumable", "fitness"], weight: 3,
  },
  {
    productType: "Candles", vendor: "Hearth & Wick", repurchaseDays: 75, stem: "Candle",
    names: ["Cedar", "Fig & Cassis", "Sea Salt", "Amber", "Lavender", "Tomato Leaf"],
    variants: [{ title: "Classic", priceFactorPct: 100 }, { title: "Large", priceFactorPct: 160 }],
    priceUsdMinor: [2800, 4800], tags: ["consumable", "home"], weight: 3,
  },
  {
    productType: "Apparel", vendor: "Evergreen Supply", repurchaseDays: null, stem: "",
    names: ["Organic Tee", "Merino Crew", "Canvas Jacket", "Everyday Hoodie", "Linen Shirt", "Wool Beanie"],
    variants: [{ title: "S", priceFactorPct: 100 }, { title: "M", priceFactorPct: 100 }, { title: "L", priceFactorPct: 100 }],
    priceUsdMinor: [2900, 14900], tags: ["apparel"], weight: 4,
  },
  {
    productType: "Kitchen", vendor: "Evergreen Supply", repurchaseDays: null, stem: "",
    names: ["Burr Grinder", "Pour-Over Kettle", "Ceramic Dripper", "Glass Carafe", "Stoneware Mug", "Tea Infuser"],
    variants: [{ title: "Default Title", priceFactorPct: 100 }],
    priceUsdMinor: [1800, 18900], tags: ["equipment", "kitchen"], weight: 3,
  },
  {
    productType: "Accessories", vendor: "Keen Edge", repurchaseDays: null, stem: "",
    names: ["Safety Razor", "Travel Case", "Shave Brush", "Razor Stand"],
    variants: [{ title: "Chrome", priceFactorPct: 100 }, { title: "Matte Black", priceFactorPct: 110 }],
    priceUsdMinor: [1500, 7900], tags: ["equipment", "grooming"], weight: 2,
  },
  {
    productType: "Home", vendor: "Hearth & Wick", repurchaseDays: null, stem: "",
    names: ["Linen Throw", "Oak Tray", "Diffuser", "Wick Trimmer", "Ceramic Vase"],
    variants: [{ title: "Default Title", priceFactorPct: 100 }],
    priceUsdMinor: [1900, 12900], tags: ["home", "gift"], weight: 2,
  },
  {
    productType: "Gift Card", vendor: "Evergreen", repurchaseDays: null, stem: "",
    names: ["Gift Card"],
    variants: [{ title: "$25", priceFactorPct: 100 }, { title: "$50", priceFactorPct: 200 }, { title: "$100", priceFactorPct: 400 }],
    priceUsdMinor: [2500, 2500], tags: ["gift"], weight: 1,
  },
];

/** Discount codes used in generated orders (and seeded as DevDiscountCodes by the store). */
export const GENERATED_DISCOUNT_CODES: readonly { code: string; title: string; basisPoints: number; freeShipping: boolean; firstOrderOnly: boolean }[] = [
  { code: "WELCOME10", title: "10% off your first order", basisPoints: 1000, freeShipping: false, firstOrderOnly: true },
  { code: "SAVE15", title: "15% off sitewide", basisPoints: 1500, freeShipping: false, firstOrderOnly: false },
  { code: "LOYAL20", title: "20% for returning customers", basisPoints: 2000, freeShipping: false, firstOrderOnly: false },
  { code: "BFCM25", title: "Black Friday 25%", basisPoints: 2500, freeShipping: false, firstOrderOnly: false },
  { code: "FREESHIP", title: "Free shipping", basisPoints: 0, freeShipping: true, firstOrderOnly: false },
];
