export * from "./codes";
export * from "./identity";
export * from "./settings";
export * from "./attribution";
export * from "./payout";
export * from "./funnel";
