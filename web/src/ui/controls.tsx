/** The small controls every view shares: segmented choices, selects, number fields, a time range. */
import { For, Show } from "solid-js";

export function Segmented<T extends string>(props: {
  label: string;
  options: readonly T[];
  value: T;
  onChange: (value: T) => void;
  name?: (value: T) => string;
}) {
  return (
    <div class="field">
      <span class="field-label">{props.label}</span>
      <div class="segmented" role="group" aria-label={props.label}>
        <For each={props.options}>
          {(option) => (
            <button
              type="button"
              classList={{ active: option === props.value }}
              aria-pressed={option === props.value}
              onClick={() => props.onChange(option)}
            >
              {props.name ? props.name(option) : option}
            </button>
          )}
        </For>
      </div>
    </div>
  );
}

export function SelectField(props: {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
  testId?: string;
}) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      <select
        value={props.value}
        data-testid={props.testId}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        <For each={props.options}>
          {(option) => (
            <option value={option.value} selected={option.value === props.value}>
              {option.label}
            </option>
          )}
        </For>
      </select>
    </label>
  );
}

/** A number that is applied when the field is left or Enter is pressed, not on every keystroke. */
export function NumberField(props: {
  label: string;
  value: number;
  min: number;
  step?: number;
  integer?: boolean;
  onChange: (value: number) => void;
  testId?: string;
}) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      <input
        type="number"
        class="number"
        min={props.min}
        step={props.step ?? (props.integer ? 1 : 0.1)}
        value={props.value}
        data-testid={props.testId}
        onChange={(event) => {
          const value = Number(event.currentTarget.value);
          const valid = Number.isFinite(value) && value >= props.min &&
            (!props.integer || Number.isInteger(value));
          if (valid) props.onChange(value);
          else event.currentTarget.value = String(props.value);
        }}
      />
    </label>
  );
}

/**
 * A [from, to) range in UTC. Empty from: the most recent data; empty to: up to now and following
 * live updates.
 */
export function RangeField(props: {
  from: string;
  to: string;
  onChange: (range: { from: string; to: string }) => void;
}) {
  const toInput = (iso: string) => iso ? iso.slice(0, 19) : "";
  const fromInput = (value: string) => value ? new Date(`${value}Z`).toISOString() : "";
  return (
    <div class="field range">
      <span class="field-label">Range (UTC)</span>
      <div class="range-inputs">
        <input
          type="datetime-local"
          step="1"
          aria-label="From (UTC)"
          value={toInput(props.from)}
          onChange={(event) =>
            props.onChange({ from: fromInput(event.currentTarget.value), to: props.to })}
        />
        <span>to</span>
        <input
          type="datetime-local"
          step="1"
          aria-label="To (UTC)"
          value={toInput(props.to)}
          onChange={(event) =>
            props.onChange({ from: props.from, to: fromInput(event.currentTarget.value) })}
        />
        <Show when={props.from || props.to}>
          <button type="button" class="link" onClick={() => props.onChange({ from: "", to: "" })}>
            latest
          </button>
        </Show>
      </div>
    </div>
  );
}
