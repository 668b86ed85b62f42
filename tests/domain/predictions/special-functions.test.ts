import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  hyp2f1,
  HypergeometricConvergenceError,
  lgamma,
  lgammaSigned,
  logAddExp,
  logSumExp,
} from "~/domain/predictions/special-functions";

const relErr = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe("lgamma", () => {
  // Reference values from mpmath at 30 digits.
  it.each([
    [0.5, 0.57236494292470008707],
    [1.5, -0.12078223763524522235],
    [3.7, 1.4280723266653881292],
    [10, 12.801827480081469611],
    [100, 359.13420536957539878],
    [1e-8, 18.420680738180208884],
    [0.001, 6.9071788853838536617],
    [171.5, 709.14316303092824227],
    [1e6, 12815504.56914761166],
    [1e15, 33538776394910668.91],
    [-0.5, 1.2655121234846453965],
    [-2.5, -0.056243716497674050673],
  ])("lgamma(%d) to 1e-12 relative", (x, expected) => {
    expect(relErr(lgamma(x), expected)).toBeLessThan(1e-12);
  });

  it("is 0 at 1 and 2 and log((n-1)!) at integers", () => {
    expect(Math.abs(lgamma(1))).toBeLessThan(1e-14);
    expect(Math.abs(lgamma(2))).toBeLessThan(1e-14);
    let factorial = 1;
    for (let n = 3; n <= 30; n++) {
      factorial *= n - 1;
      expect(relErr(lgamma(n), Math.log(factorial))).toBeLessThan(1e-13);
    }
  });

  it("carries the sign of Γ for negative arguments and is infinite at poles", () => {
    expect(lgammaSigned(-0.5).sign).toBe(-1); // Γ(−0.5) = −2√π
    expect(lgammaSigned(-1.5).sign).toBe(1);
    expect(lgamma(0)).toBe(Infinity);
    expect(lgamma(-3)).toBe(Infinity);
  });

  it("satisfies the recurrence ln Γ(x+1) = ln Γ(x) + ln x (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e4, noNaN: true }), (x) => {
        expect(Math.abs(lgamma(x + 1) - lgamma(x) - Math.log(x))).toBeLessThan(1e-11 * Math.max(1, Math.abs(lgamma(x + 1))));
      }),
    );
  });
});

describe("log-sum-exp", () => {
  it("matches the naive sum where that is finite and survives where it overflows", () => {
    expect(relErr(logSumExp([1, 2, 3]), Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)))).toBeLessThan(1e-15);
    expect(relErr(logSumExp([1000, 1000]), 1000 + Math.LN2)).toBeLessThan(1e-15);
    expect(relErr(logAddExp(-1000, -1000), -1000 + Math.LN2)).toBeLessThan(1e-15);
    expect(logAddExp(-Infinity, 3)).toBe(3);
    expect(logSumExp([])).toBe(-Infinity);
  });

  it("is symmetric and bounded by max and max + ln 2 (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 700, noNaN: true }), fc.double({ min: -700, max: 700, noNaN: true }), (a, b) => {
        const v = logAddExp(a, b);
        expect(v).toBe(logAddExp(b, a));
        expect(v).toBeGreaterThanOrEqual(Math.max(a, b));
        expect(v).toBeLessThanOrEqual(Math.max(a, b) + Math.LN2 + 1e-12);
      }),
    );
  });
});

describe("hyp2f1", () => {
  it.each([0.1, 0.5, 0.9, 0.99, 0.999, 0.99999])("2F1(1,1;2;z) = -ln(1-z)/z at z = %d", (z) => {
    expect(relErr(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-10);
  });

  it.each([0.3, 0.9, 0.999])("2F1(a, 1-a; 3/2; sin²x) = sin((2a-1)x)/((2a-1) sin x) (c-a-b = 1/2, transform path)", (s2) => {
    const a = 0.3;
    const x = Math.asin(Math.sqrt(s2));
    const expected = Math.sin((2 * a - 1) * x) / ((2 * a - 1) * Math.sin(x));
    expect(relErr(hyp2f1(a, 1 - a, 1.5, s2), expected)).toBeLessThan(1e-10);
  });

  it.each([0.25, 0.95, 0.9999])("2F1(a, a+1/2; 1/2; z²) = ((1+z)^-2a + (1-z)^-2a)/2 at z² = %d", (z2) => {
    const a = 0.3;
    const z = Math.sqrt(z2);
    const expected = (Math.pow(1 + z, -2 * a) + Math.pow(1 - z, -2 * a)) / 2;
    expect(relErr(hyp2f1(a, a + 0.5, 0.5, z2), expected)).toBeLessThan(1e-10);
  });

  it("2F1(a,b;b;z) = (1-z)^-a, including the transform's 1/Γ(0) = 0 branch", () => {
    for (const z of [0.2, 0.95, 0.9999]) expect(relErr(hyp2f1(0.3, 2.5, 2.5, z), Math.pow(1 - z, -0.3))).toBeLessThan(1e-10);
  });

  it.each([
    [0.3, 2.7, 1.9, 0.5, 1.3809086594901064554],
    [0.243, 2.426, 2.219, 0.95, 2.4461866770309906659],
    [2.2, 3.1, 4.5, 0.99, 192.72633715147835575],
    [5.24, 7.426, 7.219, 0.999, 20432271103891757.998],
    [1.5, -2.5, 3.2, 0.7, 0.4143537055950659468],
    [0.7, 1.3, 2.4, -0.8, 0.78838386518251938712],
  ])("2F1(%d, %d; %d; %d) matches mpmath", (a, b, c, z, expected) => {
    expect(relErr(hyp2f1(a, b, c, z), expected)).toBeLessThan(1e-10);
  });

  it("auto (transform near 1, with cancellation guard) agrees with the plain series (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.double({ min: 0.05, max: 30, noNaN: true }),
        fc.double({ min: 0.901, max: 0.995, noNaN: true }),
        (a, b, c, z) => {
          const s = c - a - b;
          fc.pre(Math.abs(s - Math.round(s)) > 0.1);
          const series = hyp2f1(a, b, c, z, { method: "series" });
          const auto = hyp2f1(a, b, c, z);
          // The reference series itself carries ~1e-10 relative error at a·b/c ≈ 10 near z = 1.
          expect(relErr(auto, series)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses arguments outside its domain and reports non-convergence", () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, 0.999999, { maxTerms: 100 })).toThrow(HypergeometricConvergenceError);
  });
});
