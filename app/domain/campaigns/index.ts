/** Campaigns and their experiments: definitions, playbooks, assignment, caps, budgets, statistics, verdicts. */
export * from "./definition";
export * from "./playbooks";
export * from "./assignment";
export * from "./audience";
export * from "./limits";
export * from "./statistics";
export * from "./verdict";
export * from "./actions";
