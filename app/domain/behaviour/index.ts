export * from "./events";
export * from "./recommend";
export * from "./dimensions";
