/**
 * The settings page's tier list as state (routes/app.settings.tsx): rows
 * removed, kept again, added. A removed tier that has members is remembered
 * with its position, so "Keep tier" puts it back where it was.
 */

export interface TierRow {
  /** React key: the tier id, or `new-N` for a tier added on the page. */
  key: string;
  /** Empty for a new tier (the server derives one from its name). */
  id: string;
  name: string;
  threshold: number | string;
  multiplierPct: number | string;
  birthdayBonusPoints: number | string;
  freeShipping: boolean;
}

export interface TierList {
  rows: TierRow[];
  removed: { row: TierRow; at: number }[];
  /** Tiers added so far (their keys stay unique). */
  added: number;
}

export type TierAction = { type: "remove"; key: string; hasMembers: boolean } | { type: "keep"; key: string } | { type: "add" };

export function tierListReducer(state: TierList, action: TierAction): TierList {
  switch (action.type) {
    case "remove": {
      const at = state.rows.findIndex((r) => r.key === action.key);
      if (at < 0) return state;
      return {
        ...state,
        rows: state.rows.filter((_, j) => j !== at),
        removed: action.hasMembers ? [...state.removed, { row: state.rows[at], at }] : state.removed,
      };
    }
    case "keep": {
      const entry = state.removed.find((x) => x.row.key === action.key);
      if (!entry) return state;
      const rows = [...state.rows];
      rows.splice(Math.min(entry.at, rows.length), 0, entry.row);
      return { ...state, rows, removed: state.removed.filter((x) => x.row.key !== action.key) };
    }
    case "add":
      return {
        ...state,
        added: state.added + 1,
        rows: [...state.rows, { key: `new-${state.added}`, id: "", name: "", threshold: "", multiplierPct: 100, birthdayBonusPoints: 0, freeShipping: false }],
      };
  }
}
