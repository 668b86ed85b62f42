import { describe, expect, it } from "vitest";
import { nelderMead } from "~/domain/predictions/nelder-mead";

describe("nelderMead", () => {
  it("minimises the Rosenbrock function from the classic start (-1.2, 1)", () => {
    const rosenbrock = ([x, y]: readonly number[]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2;
    const result = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 5000, xTolerance: 1e-10, fTolerance: 1e-14 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.fx).toBeLessThan(1e-12);
  });

  it("minimises a 4-d Rosenbrock and a shifted quadratic", () => {
    const rosen4 = (x: readonly number[]) =>
      x.slice(0, -1).reduce((s, xi, i) => s + 100 * (x[i + 1] - xi * xi) ** 2 + (1 - xi) ** 2, 0);
    let best = nelderMead(rosen4, [0, 0, 0, 0], { maxIterations: 20000, fTolerance: 1e-16, xTolerance: 1e-10 });
    best = nelderMead(rosen4, best.x, { maxIterations: 20000, fTolerance: 1e-16, xTolerance: 1e-10 }); // restart
    for (const v of best.x) expect(v).toBeCloseTo(1, 5);

    const quad = nelderMead(([x, y, z]) => (x - 3) ** 2 + 2 * (y + 1) ** 2 + 0.5 * (z - 0.25) ** 2, [0, 0, 0]);
    expect(quad.x.map((v) => Number(v.toFixed(5)))).toEqual([3, -1, 0.25]);
  });

  it("treats non-finite values as +Infinity (a barrier) and stops at maxIterations", () => {
    const barrier = nelderMead(([x]) => (x <= 0 ? NaN : (x - 2) ** 2), [1]);
    expect(barrier.x[0]).toBeCloseTo(2, 6);
    const capped = nelderMead(([x, y]) => x * x + y * y, [10, 10], { maxIterations: 3 });
    expect(capped.iterations).toBe(3);
    expect(capped.converged).toBe(false);
  });

  it("rejects an empty or non-finite start", () => {
    expect(() => nelderMead(() => 0, [])).toThrow(RangeError);
    expect(() => nelderMead(() => 0, [NaN])).toThrow(RangeError);
  });
});
