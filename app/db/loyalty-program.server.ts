/**
 * A shop's loyalty programme and its versioned earn rules.
 */
import { DEFAULT_EARN_RULES, parseEarnRules, type EarnRules } from "~/domain/loyalty/rules";
import type { LoyaltyProgram, PrismaClient } from "~/generated/prisma/client";

export type ProgramDb = Pick<PrismaClient, "loyaltyProgram" | "loyaltyRuleVersion">;

export interface ActiveProgram {
  program: LoyaltyProgram;
  rules: EarnRules;
  ruleVersion: number;
}

/** The programme with the rules in force, or null when the shop has none or it is switched off. */
export async function loadActiveProgram(db: ProgramDb, shopDomain: string): Promise<ActiveProgram | null> {
  const program = await db.loyaltyProgram.findUnique({ where: { shopDomain } });
  if (!program || !program.enabled) return null;
  return { program, ...(await loadRules(db, shopDomain, program.currentRuleVersion)) };
}

export async function loadRules(db: ProgramDb, shopDomain: string, version: number): Promise<{ rules: EarnRules; ruleVersion: number }> {
  const row = await db.loyaltyRuleVersion.findUnique({ where: { shopDomain_version: { shopDomain, version } } });
  return { rules: row ? parseEarnRules(JSON.parse(row.rules)) : DEFAULT_EARN_RULES, ruleVersion: version };
}

export interface ProgramSettings {
  allowNegativeBalance?: boolean;
  returnWindowDays?: number;
  expiryMonths?: number | null;
  enabled?: boolean;
}

/**
 * Creates the shop's programme with Evergreen's defaults (rule version 1), or
 * updates its settings. Idempotent.
 */
export async function upsertProgram(db: Pick<PrismaClient, "$transaction">, shopDomain: string, settings: ProgramSettings = {}): Promise<LoyaltyProgram> {
  if (settings.returnWindowDays !== undefined && !(Number.isInteger(settings.returnWindowDays) && settings.returnWindowDays >= 0 && settings.returnWindowDays <= 365)) {
    throw new RangeError("returnWindowDays must be an integer from 0 to 365");
  }
  if (settings.expiryMonths !== undefined && settings.expiryMonths !== null && !(Number.isInteger(settings.expiryMonths) && settings.expiryMonths >= 1)) {
    throw new RangeError("expiryMonths must be a positive integer or null");
  }
  return db.$transaction(async (tx) => {
    await tx.loyaltyRuleVersion.upsert({
      where: { shopDomain_version: { shopDomain, version: 1 } },
      create: { shopDomain, version: 1, rules: JSON.stringify(DEFAULT_EARN_RULES) },
      update: {},
    });
    return tx.loyaltyProgram.upsert({ where: { shopDomain }, create: { shopDomain, ...settings }, update: settings });
  });
}

/** Stores edited rules as a new version and puts it in force for new events. @throws InvalidEarnRulesError */
export async function saveEarnRules(db: Pick<PrismaClient, "$transaction">, shopDomain: string, rules: unknown): Promise<number> {
  const parsed = parseEarnRules(rules);
  return db.$transaction(async (tx) => {
    const program = await tx.loyaltyProgram.findUniqueOrThrow({ where: { shopDomain } });
    const latest = await tx.loyaltyRuleVersion.findFirst({ where: { shopDomain }, orderBy: { version: "desc" } });
    const version = Math.max(program.currentRuleVersion, latest?.version ?? 0) + 1;
    await tx.loyaltyRuleVersion.create({ data: { shopDomain, version, rules: JSON.stringify(parsed) } });
    await tx.loyaltyProgram.update({ where: { shopDomain }, data: { currentRuleVersion: version } });
    return version;
  });
}
