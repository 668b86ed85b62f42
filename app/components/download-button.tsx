/**
 * Downloads an authenticated resource route. Embedded, a plain link would
 * open the URL without the session token; `fetch` gets it from App Bridge
 * (Authorization: Bearer), so the file is fetched, then saved from a blob.
 */
import { Button } from "@shopify/polaris";
import { useState } from "react";
import { useI18n } from "~/i18n/react";

export function DownloadButton({ url, filename, children, variant }: { url: string; filename: string; children: string; variant?: "primary" | "secondary" }) {
  const f = useI18n();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const download = async () => {
    setBusy(true);
    setFailed(false);
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`download failed: ${response.status}`);
      const blob = await response.blob();
      const href = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = href;
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button onClick={download} loading={busy} variant={variant} tone={failed ? "critical" : undefined} accessibilityLabel={children}>
      {busy ? f.t("common.downloading") : children}
    </Button>
  );
}
