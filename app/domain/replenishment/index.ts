export * from "./types";
export * from "./robust";
export * from "./intervals";
export * from "./due";
export * from "./evaluate";
