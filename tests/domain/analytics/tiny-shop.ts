import { at, customer } from "./helpers";

/*
 * A tiny shop, analysed as of 2025-05-01 00:00 UTC. Every number below is worked out by hand.
 *   A: 2025-01-10 $10, 01-25 $20 (day 15), 03-01 $30 (day 50)   age at asOf: 22+28+31+30 = 111 days
 *   B: 2025-01-20 $40, 03-10 $10 (day 49)                        age 12+28+31+30 = 101 days
 *   C: 2025-01-31 $50                                            age 1+28+31+30 = 90 days: matured for 90 exactly
 *   D: 2025-02-15 $20, 05-20 $99.99 (after asOf: ignored)        age 75 days: maturing for 90
 *   E: 2025-04-10 $10, 04-20 $10 (day 10)                        age 21 days: maturing for 30/60/90
 *   F: no orders                                                 not a cohort member
 */
export const shop = [
  customer("A", ["2025-01-10", 1000], ["2025-01-25", 2000], ["2025-03-01", 3000]),
  customer("B", ["2025-01-20", 4000], ["2025-03-10", 1000]),
  customer("C", ["2025-01-31", 5000]),
  customer("D", ["2025-02-15", 2000], ["2025-05-20", 9999]),
  customer("E", ["2025-04-10", 1000], ["2025-04-20", 1000]),
  { customerId: "F", createdAt: at("2025-01-01"), orders: [] },
];
export const asOf = at("2025-05-01");
