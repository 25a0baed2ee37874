// Builds the jw_describe JSON document (docs/abi.md) for a processor.
import { Processor, Param } from "./processor";

/** A JSON string literal for `s`. */
export function jsonString(s: string): string {
  let out = '"';
  let start = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c == 0x22) esc = '\\"';
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c < 0x20 || (c >= 0xd800 && c < 0xe000)) {
      // Control characters, and surrogates (escaped so a lone one stays valid
      // JSON; a pair escaped as two \u sequences still decodes to the pair).
      const hex = "0123456789abcdef";
      esc = "\\u" + hex.charAt((c >> 12) & 15) + hex.charAt((c >> 8) & 15) + hex.charAt((c >> 4) & 15) + hex.charAt(c & 15);
    }
    if (esc !== null) {
      out += s.substring(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.substring(start) + '"';
}

/** A JSON number for an f32 (shortest round-trip form), or null when not finite. */
export function jsonNumber(v: f32): string {
  if (!isFinite(v)) return "null";
  return v.toString();
}

function paramJson(p: Param): string {
  let s = '{"id":' + jsonString(p.id) + ',"name":' + jsonString(p.name);
  if (isFinite(p.min)) s += ',"min":' + jsonNumber(p.min);
  if (isFinite(p.max)) s += ',"max":' + jsonNumber(p.max);
  s += ',"default":' + jsonNumber(p.def);
  if (p.unit.length > 0) s += ',"unit":' + jsonString(p.unit);
  return s + "}";
}

export function describeJson(p: Processor): string {
  let s = '{"name":' + jsonString(p.name) + ',"version":' + jsonString(p.version) + ',"params":[';
  for (let i = 0; i < p.params.length; i++) {
    if (i > 0) s += ",";
    s += paramJson(p.params[i]);
  }
  s += '],"midiInputs":' + p.midiInputs.toString() + ',"midiOutputs":' + p.midiOutputs.toString() + "}";
  return s;
}
