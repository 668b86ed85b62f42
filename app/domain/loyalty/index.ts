export * from "./rules";
export * from "./order-points";
export * from "./ledger";
