// The charts of docs/benchmarks.md: Vega-Lite specifications rendered to SVG
// by Vega (in Node, no browser), then to PNG by resvg with the system's
// DejaVu fonts. Two shapes cover every benchmark: grouped bars (peers side
// by side per case) and lines (a figure against a size).
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';

const palette = ['#1f6feb', '#7d8590', '#e36209', '#8250df', '#bf3989', '#1a7f37', '#9a6700'];
const base = (title, subtitle) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: { text: title, subtitle, anchor: 'start', fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555' },
  config: { font: 'DejaVu Sans', view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 }, legend: { labelFontSize: 11, titleFontSize: 11 } },
  background: 'white',
  padding: 12,
});

/**
 * Peers side by side for each case. rows: [{ case, peer, value }]. log: a
 * logarithmic value axis (bars start at `floor`). rule: a dashed line at a
 * value, with a label (a period, a target). labelField: a field of the rows
 * to print above the bars instead of the value.
 */
export function groupedBars({ title, subtitle, rows, caseTitle, valueTitle, peers, log = false, floor = 1, rule, width = 640, height = 300, format = '.3~r', labelField }) {
  const y = { field: 'value', type: 'quantitative', title: valueTitle, ...(log ? { scale: { type: 'log', domainMin: floor } } : {}) };
  const layers = [
    {
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: 'case', type: 'nominal', title: caseTitle, sort: null, axis: { labelAngle: 0, labelLimit: 400 } },
        xOffset: { field: 'peer', type: 'nominal', sort: peers },
        y,
        ...(log ? { y2: { datum: floor } } : {}),
        color: { field: 'peer', type: 'nominal', sort: peers, scale: { domain: peers, range: palette }, legend: peers.length > 1 ? { title: null, orient: 'bottom', columns: Math.min(peers.length, 4), labelLimit: 300 } : null },
      },
    },
    {
      mark: { type: 'text', dy: -5, fontSize: 9, color: '#333' },
      encoding: {
        x: { field: 'case', type: 'nominal', sort: null },
        xOffset: { field: 'peer', type: 'nominal', sort: peers },
        y,
        // labelField: the rows' own label text (a log axis draws 0 as a small bar).
        text: labelField ? { field: labelField, type: 'nominal' } : { field: 'value', type: 'quantitative', format },
      },
    },
  ];
  if (rule) {
    layers.push(
      { mark: { type: 'rule', strokeDash: [6, 4], color: '#cf222e' }, encoding: { y: { datum: rule.value } } },
      { mark: { type: 'text', align: 'left', dy: -6, color: '#cf222e', fontSize: 10 }, encoding: { y: { datum: rule.value }, x: { value: 4 }, text: { value: rule.label } } },
    );
  }
  return { ...base(title, subtitle), width, height, data: { values: rows }, layer: layers };
}

/** A figure against a size, one line per peer. rows: [{ x, peer, value }]. */
export function lines({ title, subtitle, rows, xTitle, valueTitle, peers, logX = false, logY = false, width = 640, height = 300, column }) {
  const spec = {
    ...base(title, subtitle),
    data: { values: rows },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, ...(logX ? { scale: { type: 'log' } } : {}) },
      y: { field: 'value', type: 'quantitative', title: valueTitle, ...(logY ? { scale: { type: 'log' } } : {}) },
      color: { field: 'peer', type: 'nominal', sort: peers, scale: { domain: peers, range: palette }, legend: { title: null, orient: 'bottom', labelLimit: 300 } },
    },
  };
  if (!column) return { ...spec, width, height };
  const { data, mark, encoding, ...top } = spec;
  return {
    ...top,
    data,
    facet: { column: { field: column.field, type: 'nominal', title: column.title, sort: column.sort ?? null } },
    spec: { width: width / 2 - 20, height, mark, encoding },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Renders a Vega-Lite specification to a PNG file (twice the specified size, for sharp text). */
export async function renderPng(spec, path) {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' }).render().asPng();
  writeFileSync(path, png);
}
