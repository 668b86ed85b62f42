/**
 * The cohort heatmap: one row per first-order month, one cell per month since
 * (the share of the cohort active that month), shaded by value. Plain HTML
 * (server-rendered, no chart code): polaris-viz has no heatmap.
 */
import { Text } from "@shopify/polaris";
import { useI18n } from "~/i18n/react";

export function RetentionHeatmap({ cohorts }: { cohorts: { month: string; size: number; activeShares: number[] }[] }) {
  const f = useI18n();
  const columns = Math.max(1, ...cohorts.map((c) => c.activeShares.length));
  // Month 0 is 100% by definition; shade the rest against the largest later value.
  const max = Math.max(0.01, ...cohorts.flatMap((c) => c.activeShares.slice(1)));
  const cell = { padding: "6px 8px", textAlign: "right" as const, fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" as const };
  return (
    <div style={{ overflowX: "auto" }}>
      <table data-testid="cohort-heatmap" style={{ borderCollapse: "collapse", width: "100%", fontSize: 12 }}>
        <thead>
          <tr>
            <th style={{ ...cell, textAlign: "left" }}>
              <Text as="span" variant="bodySm" fontWeight="semibold">
                {f.t("cohorts.month")}
              </Text>
            </th>
            <th style={cell}>
              <Text as="span" variant="bodySm" fontWeight="semibold">
                {f.t("cohorts.size")}
              </Text>
            </th>
            {Array.from({ length: columns }, (_, k) => (
              <th key={k} style={cell}>
                <Text as="span" variant="bodySm" fontWeight="semibold">
                  {f.t("cohorts.monthsSince", { k })}
                </Text>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {cohorts.map((c) => (
            <tr key={c.month}>
              <td style={{ ...cell, textAlign: "left" }}>{c.month}</td>
              <td style={cell}>{f.number(c.size)}</td>
              {Array.from({ length: columns }, (_, k) => {
                const share = c.activeShares[k];
                if (share === undefined) return <td key={k} style={cell} />;
                const intensity = k === 0 ? 1 : Math.min(1, share / max);
                return (
                  <td
                    key={k}
                    style={{
                      ...cell,
                      background: `rgba(0, 128, 96, ${(0.08 + 0.8 * intensity).toFixed(3)})`,
                      color: intensity > 0.55 ? "#fff" : "#1a1a1a",
                    }}
                  >
                    {f.percent(share)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
