/**
 * Form fields for the settings page: Polaris inputs that keep their own state
 * and submit under `name` (a Remix form posts them as they are; the server
 * validates). Checkboxes post "true"/"false" through a hidden input, so an
 * unticked box is sent too.
 */
import { Checkbox, Select, TextField } from "@shopify/polaris";
import { useState } from "react";

export function TextInput(props: { label: string; name: string; initial: string | number | null; error?: string; help?: string; numeric?: boolean }) {
  const [value, setValue] = useState(props.initial === null ? "" : String(props.initial));
  return (
    <TextField
      label={props.label}
      name={props.name}
      value={value}
      onChange={setValue}
      error={props.error}
      helpText={props.help}
      inputMode={props.numeric ? "decimal" : undefined}
      autoComplete="off"
    />
  );
}

export function Toggle(props: { label: string; name: string; initial: boolean; error?: string }) {
  const [checked, setChecked] = useState(props.initial);
  return (
    <>
      <input type="hidden" name={props.name} value={String(checked)} />
      <Checkbox label={props.label} checked={checked} onChange={setChecked} error={props.error} />
    </>
  );
}

export function Choice(props: { label: string; name: string; initial: string; options: { label: string; value: string }[]; error?: string; onChange?: (v: string) => void }) {
  const [value, setValue] = useState(props.initial);
  return (
    <Select
      label={props.label}
      name={props.name}
      value={value}
      options={props.options}
      error={props.error}
      onChange={(v) => {
        setValue(v);
        props.onChange?.(v);
      }}
    />
  );
}
