/**
 * The panel's page: one HTML document with its script and style inline (no
 * files to serve, no third-party code in the browser). The script opens the
 * WebSocket with the page's token and builds everything from the state the
 * server sends: a card per module with a control per parameter (slider,
 * number entry, button or checkbox, with unit, range, step and log scale),
 * a MIDI keyboard for modules that take MIDI, level meters per output; an
 * oscilloscope; the log; the client's ports and connections.
 */

const STYLE = `
:root { color-scheme: dark; --bg: #15171c; --card: #1f232b; --line: #323844; --text: #e6e8ec; --dim: #9aa3b2; --accent: #5cc8ff; --warn: #ffb454; --bad: #ff6b6b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; gap: 16px; align-items: baseline; padding: 12px 20px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
header .dim { color: var(--dim); }
#status.ok { color: #7ee787; } #status.bad { color: var(--bad); }
main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(280px, 1fr); gap: 16px; padding: 16px 20px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 16px; }
h2 { font-size: 15px; margin: 0 0 10px; display: flex; justify-content: space-between; }
h2 small { color: var(--dim); font-weight: normal; }
.param { display: grid; grid-template-columns: 150px 1fr 110px; gap: 10px; align-items: center; margin: 6px 0; }
.param label { color: var(--dim); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.param output { font-variant-numeric: tabular-nums; text-align: right; }
input[type=range] { width: 100%; accent-color: var(--accent); }
input[type=number] { width: 100%; background: var(--bg); color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: 2px 6px; }
button.momentary { background: var(--bg); color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: 4px 12px; }
button.momentary.down { background: var(--accent); color: #000; }
.meters { display: flex; gap: 6px; margin-top: 10px; }
.meter { flex: 1; height: 10px; background: var(--bg); border-radius: 3px; overflow: hidden; position: relative; }
.meter i { position: absolute; left: 0; top: 0; bottom: 0; background: linear-gradient(90deg, #2ea043, #d29922 80%, #f85149); }
.meter b { position: absolute; top: 0; bottom: 0; width: 2px; background: #fff; }
.keys { position: relative; height: 90px; margin-top: 12px; user-select: none; }
.key { position: absolute; top: 0; border: 1px solid #000; border-radius: 0 0 4px 4px; cursor: pointer; }
.key.white { background: #f0f0f0; height: 90px; z-index: 1; }
.key.black { background: #222; height: 56px; z-index: 2; }
.key.on { background: var(--accent) !important; }
canvas { width: 100%; height: 160px; background: var(--bg); border-radius: 4px; }
#log { max-height: 220px; overflow: auto; font: 12px/1.5 ui-monospace, monospace; }
#log .trap, #log .error { color: var(--bad); } #log .xrun, #log .overrun { color: var(--warn); } #log .log { color: var(--dim); }
table { width: 100%; border-collapse: collapse; font-size: 12px; }
td { padding: 3px 4px; border-top: 1px solid var(--line); vertical-align: top; }
td.dim { color: var(--dim); }
code { font-size: 12px; color: var(--dim); }
.trapped { color: var(--bad); margin: 6px 0; }
`;

const SCRIPT = `
const token = new URLSearchParams(location.search).get('token');
const $ = (tag, attrs = {}, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs)) { if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v); } for (const k of kids) e.append(k); return e; };
let ws, state = null, scopeModule = null, scopeSamples = [];
const levels = {};
const fmt = (v) => Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toPrecision(3) : (+v.toFixed(3)).toString();
const send = (m) => ws && ws.readyState === 1 && ws.send(JSON.stringify(m));

// A slider works on [0, 1000]; log-scaled parameters map it exponentially.
function toSlider(p, v) { const lo = p.min ?? 0, hi = p.max ?? 1; if (p.scale === 'log' && lo > 0) return 1000 * Math.log(v / lo) / Math.log(hi / lo); return hi === lo ? 0 : 1000 * (v - lo) / (hi - lo); }
function fromSlider(p, x) { const lo = p.min ?? 0, hi = p.max ?? 1; let v = p.scale === 'log' && lo > 0 ? lo * Math.pow(hi / lo, x / 1000) : lo + (hi - lo) * x / 1000; if (p.step) v = Math.round((v - lo) / p.step) * p.step + lo; return Math.min(hi, Math.max(lo, v)); }

function control(m, p) {
  const out = $('output', {}, fmt(p.value) + (p.unit ? ' ' + p.unit : ''));
  const set = (v) => { send({ type: 'set', module: m.name, param: p.id, value: v }); out.textContent = fmt(v) + (p.unit ? ' ' + p.unit : ''); };
  let input;
  if (p.control === 'button') {
    input = $('button', { class: 'momentary', 'data-param': p.id, 'data-module': m.name }, p.name);
    const down = () => { input.classList.add('down'); set(1); }, up = () => { if (input.classList.contains('down')) { input.classList.remove('down'); set(0); } };
    input.addEventListener('pointerdown', down); input.addEventListener('pointerup', up); input.addEventListener('pointerleave', up);
  } else if (p.control === 'checkbox') {
    input = $('input', { type: 'checkbox', 'data-param': p.id, 'data-module': m.name });
    input.checked = p.value >= 0.5;
    input.addEventListener('change', () => set(input.checked ? 1 : 0));
  } else if (p.control === 'nentry' || p.min === null || p.max === null) {
    input = $('input', { type: 'number', 'data-param': p.id, 'data-module': m.name, step: p.step ?? 'any', ...(p.min !== null ? { min: p.min } : {}), ...(p.max !== null ? { max: p.max } : {}) });
    input.value = p.value;
    input.addEventListener('change', () => { const v = Number(input.value); if (Number.isFinite(v)) set(v); });
  } else {
    input = $('input', { type: 'range', min: 0, max: 1000, step: 'any', 'data-param': p.id, 'data-module': m.name, title: (p.path ?? p.id) + ' [' + p.min + ', ' + p.max + ']' });
    input.value = toSlider(p, p.value);
    input.addEventListener('input', () => set(fromSlider(p, Number(input.value))));
  }
  return $('div', { class: 'param', 'data-row': p.id }, $('label', { title: p.path ?? p.id }, p.name + (p.unit ? ' (' + p.unit + ')' : '')), input, out);
}

function keyboard(m) {
  const box = $('div', { class: 'keys', 'data-keyboard': m.name });
  const base = 48, whites = [0, 2, 4, 5, 7, 9, 11];
  let x = 0;
  const width = 26;
  for (let n = base; n < base + 25; n++) {
    const white = whites.includes(n % 12);
    const k = $('div', { class: 'key ' + (white ? 'white' : 'black'), 'data-note': n });
    k.style.left = (white ? x : x - width * 0.3) + 'px';
    k.style.width = (white ? width : width * 0.6) + 'px';
    if (white) x += width;
    const on = (e) => { e.preventDefault(); k.classList.add('on'); send({ type: 'midi', module: m.name, bytes: [0x90, n, 100] }); };
    const off = () => { if (k.classList.contains('on')) { k.classList.remove('on'); send({ type: 'midi', module: m.name, bytes: [0x80, n, 0] }); } };
    k.addEventListener('pointerdown', on); k.addEventListener('pointerup', off); k.addEventListener('pointerleave', off);
    box.append(k);
  }
  return box;
}

function render() {
  const mods = document.getElementById('modules');
  mods.replaceChildren();
  document.getElementById('client').textContent = state.client;
  document.getElementById('rate').textContent = state.sampleRate + ' Hz, ' + state.blockSize + ' frames';
  if (!state.modules.length) mods.append($('section', {}, $('h2', {}, 'No modules'), 'Load one (client.load, jackwasm run/dev) and it appears here.'));
  for (const m of state.modules) {
    const card = $('section', { 'data-module': m.name }, $('h2', {}, m.name, $('small', {}, m.inputs.length + ' in, ' + m.outputs.length + ' out' + (m.midi ? ', MIDI' : '') + (m.swaps ? ', ' + m.swaps + ' swap(s)' : ''))));
    if (m.trap) card.append($('div', { class: 'trapped' }, 'trapped: ' + m.trap.message));
    for (const p of m.params) card.append(control(m, p));
    if (m.midi) card.append(keyboard(m));
    if (m.outputs.length) {
      const meters = $('div', { class: 'meters', 'data-meters': m.name });
      m.outputs.forEach((name, i) => meters.append($('div', { class: 'meter', title: name }, $('i', { 'data-level': i }), $('b', { 'data-peak': i }))));
      card.append(meters);
      card.addEventListener('click', (e) => { if (!e.target.closest('input,button,.keys')) { scopeModule = m.name; send({ type: 'scope', module: m.name }); } });
    }
    mods.append(card);
  }
  const ports = document.getElementById('ports');
  ports.replaceChildren(...state.ports.map((p) => $('tr', {}, $('td', {}, p.name.slice(state.client.length + 1)), $('td', { class: 'dim' }, (p.input ? '← ' : '→ ') + (p.connections.join(', ') || '—')))));
  const osc = document.getElementById('osc');
  osc.replaceChildren(state.osc ? $('div', {}, 'UDP 127.0.0.1:' + state.osc.port, $('table', {}, ...state.osc.addresses.map((a) => $('tr', {}, $('td', {}, $('code', {}, a)))))) : 'not enabled (jackwasm run/dev --osc PORT)');
}

function showLevels(name, peak, rms) {
  const box = document.querySelector('[data-meters="' + CSS.escape(name) + '"]');
  if (!box) return;
  const pos = (v) => Math.max(0, Math.min(100, (20 * Math.log10(Math.max(v, 1e-6)) + 60) / 60 * 100));
  rms.forEach((v, i) => { const bar = box.querySelector('[data-level="' + i + '"]'); if (bar) bar.style.width = pos(v) + '%'; });
  peak.forEach((v, i) => { const mark = box.querySelector('[data-peak="' + i + '"]'); if (mark) mark.style.left = pos(v) + '%'; });
}

function drawScope() {
  const c = document.getElementById('scope');
  const w = c.width = c.clientWidth, h = c.height = c.clientHeight;
  const g = c.getContext('2d');
  g.strokeStyle = '#323844'; g.beginPath(); g.moveTo(0, h / 2); g.lineTo(w, h / 2); g.stroke();
  g.strokeStyle = '#5cc8ff'; g.lineWidth = 1.5; g.beginPath();
  scopeSamples.forEach((v, i) => { const x = i / Math.max(1, scopeSamples.length - 1) * w, y = h / 2 - v * h / 2; i ? g.lineTo(x, y) : g.moveTo(x, y); });
  g.stroke();
  requestAnimationFrame(drawScope);
}

function addLog(e) {
  const log = document.getElementById('log');
  log.prepend($('div', { class: e.kind }, new Date(e.time).toLocaleTimeString() + ' ' + e.kind + (e.module ? ' ' + e.module : '') + ': ' + e.message));
  while (log.childElementCount > 200) log.lastChild.remove();
}

function connect() {
  ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?token=' + encodeURIComponent(token));
  const status = document.getElementById('status');
  ws.onopen = () => { status.textContent = 'connected'; status.className = 'ok'; };
  ws.onclose = () => { status.textContent = 'disconnected, retrying'; status.className = 'bad'; setTimeout(connect, 1000); };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === 'state') { const focused = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.param; state = m.state; if (!focused || !document.querySelector('[data-param]')) render(); else updateValues(); }
    else if (m.type === 'levels') showLevels(m.module, m.peak, m.rms);
    else if (m.type === 'scope') { scopeSamples = m.samples; document.getElementById('scope-name').textContent = m.module; }
    else if (m.type === 'log') addLog(m.entry);
    else if (m.type === 'error') addLog({ time: Date.now(), kind: 'error', message: m.message });
  };
}

// While a control has focus, only the values of the others change (no rebuild under the pointer).
function updateValues() {
  for (const m of state.modules) for (const p of m.params) {
    const row = document.querySelector('[data-module="' + CSS.escape(m.name) + '"] [data-row="' + CSS.escape(p.id) + '"]');
    if (!row) return render();
    row.querySelector('output').textContent = fmt(p.value) + (p.unit ? ' ' + p.unit : '');
  }
}

connect();
requestAnimationFrame(drawScope);
`;

/** The page for the panel of client `client`. */
export function panelPage(client: string): string {
  const title = client.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} — jackwasm</title><style>${STYLE}</style></head>
<body>
<header><h1>jackwasm · <span id="client">${title}</span></h1><span class="dim" id="rate"></span><span id="status">connecting</span></header>
<main>
  <div id="modules"></div>
  <div>
    <section><h2>Oscilloscope <small id="scope-name"></small></h2><canvas id="scope"></canvas><div class="dim"><small>click a module to show it</small></div></section>
    <section><h2>Log <small>traps, xruns, overruns, module messages</small></h2><div id="log"></div></section>
    <section><h2>Ports and connections</h2><table id="ports"></table></section>
    <section><h2>OSC</h2><div id="osc"></div></section>
  </div>
</main>
<script>${SCRIPT}</script>
</body>
</html>`;
}
