/**
 * The planner's picture: two panels drawn as a self-contained SVG (no dependency, opens in any
 * browser) — ETTR against the spare pool and ETTR against the checkpoint interval, each with the
 * current setting and the recommended one marked, and optional Monte Carlo points on the first.
 */
import type { CurvePoint, Plan } from '#domain/goodput/plan.ts';

const WIDTH = 960;
const HEIGHT = 440;
const PANEL = { width: 400, height: 280, top: 100 };
const LEFT = [70, 550];

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (n: number) => n.toFixed(1);

interface Axis {
  min: number;
  max: number;
  log: boolean;
}

const scale = (axis: Axis, length: number) => (value: number) => {
  const [a, b, v] = axis.log
    ? [Math.log(axis.min), Math.log(axis.max), Math.log(value)]
    : [axis.min, axis.max, value];
  return b === a ? 0 : ((v - a) / (b - a)) * length;
};

/** Tick values: whole numbers for a linear axis, 1-2-5 steps for a log one. */
const ticks = (axis: Axis): number[] => {
  if (axis.log) {
    const out: number[] = [];
    for (let decade = 10 ** Math.floor(Math.log10(axis.min)); decade <= axis.max; decade *= 10) {
      for (const m of [1, 2, 5]) if (decade * m >= axis.min && decade * m <= axis.max) out.push(decade * m);
    }
    return out;
  }
  const step = Math.max(1, Math.ceil((axis.max - axis.min) / 10));
  const out: number[] = [];
  for (let v = Math.ceil(axis.min); v <= axis.max; v += step) out.push(v);
  return out;
};

interface Marker {
  x: number;
  ettr: number;
  label: string;
  colour: string;
}

const panel = (
  left: number,
  title: string,
  xLabel: string,
  curve: CurvePoint[],
  xAxis: Axis,
  markers: Marker[],
  dots: CurvePoint[],
): string => {
  const ettrs = [...curve, ...markers, ...dots].map((p) => p.ettr);
  const yMin = Math.max(0, Math.floor(Math.min(...ettrs) * 10) / 10);
  // Headroom above the highest point, so the curve does not run along the frame.
  const yMax = Math.min(1, Math.ceil(Math.max(...ettrs) * 10 + 0.5) / 10);
  const x = scale(xAxis, PANEL.width);
  const y = (v: number) => PANEL.height - scale({ min: yMin, max: yMax, log: false }, PANEL.height)(v);
  const parts: string[] = [`<g transform="translate(${left},${PANEL.top})">`];
  parts.push(
    `<text x="${PANEL.width / 2}" y="-56" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );
  // A grid line every 10 points (5 when the range is narrow), on whole percentages.
  const step = yMax - yMin <= 0.2 ? 0.05 : 0.1;
  for (let i = 0; yMin + i * step <= yMax + 1e-9; i++) {
    const v = yMin + i * step;
    parts.push(
      `<line x1="0" x2="${PANEL.width}" y1="${fixed(y(v))}" y2="${fixed(y(v))}" stroke="#e5e5e5"/>`,
      `<text x="-8" y="${fixed(y(v) + 4)}" text-anchor="end" font-size="11">${Math.round(v * 100)}%</text>`,
    );
  }
  for (const t of ticks(xAxis)) {
    parts.push(
      `<line x1="${fixed(x(t))}" x2="${fixed(x(t))}" y1="${PANEL.height}" y2="${PANEL.height + 5}" stroke="#333"/>`,
      `<text x="${fixed(x(t))}" y="${PANEL.height + 18}" text-anchor="middle" font-size="11">${t}</text>`,
    );
  }
  parts.push(
    `<rect x="0" y="0" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#333"/>`,
    `<text x="${PANEL.width / 2}" y="${PANEL.height + 36}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`,
    `<text x="-48" y="${PANEL.height / 2}" text-anchor="middle" font-size="12" transform="rotate(-90,-48,${PANEL.height / 2})">expected ETTR</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${curve.map((p) => `${fixed(x(p.x))},${fixed(y(p.ettr))}`).join(' ')}"/>`,
  );
  for (const d of dots) {
    parts.push(`<circle cx="${fixed(x(d.x))}" cy="${fixed(y(d.ettr))}" r="3.5" fill="#ff7f0e"/>`);
  }
  markers.forEach((m, i) => {
    parts.push(
      `<line x1="${fixed(x(m.x))}" x2="${fixed(x(m.x))}" y1="0" y2="${PANEL.height}" stroke="${m.colour}" stroke-dasharray="4 3"/>`,
      `<circle cx="${fixed(x(m.x))}" cy="${fixed(y(m.ettr))}" r="5" fill="${m.colour}"/>`,
      `<text x="0" y="${-34 + 16 * i}" font-size="12" fill="${m.colour}">● ${escapeXml(m.label)}</text>`,
    );
  });
  parts.push('</g>');
  return parts.join('\n');
};

/** The SVG document. `simulated`: Monte Carlo ETTR at some spare-pool sizes (drawn as dots). */
export const planChartSvg = (plan: Plan, simulated: CurvePoint[] = []): string => {
  const { inputs, curves, checkpoint, spares } = plan;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const sparePanel = panel(
    LEFT[0]!,
    'ETTR against the spare pool',
    `hot spares (repair turnaround ${fixed(inputs.repairMinutes / 60)} h)`,
    curves.spares,
    { min: 0, max: curves.spares.at(-1)!.x, log: false },
    [
      {
        x: inputs.spares,
        ettr: plan.estimate.ettr,
        label: `now: ${inputs.spares} → ${pct(plan.estimate.ettr)}`,
        colour: '#d62728',
      },
      {
        x: spares.recommended,
        ettr: spares.ettrAtRecommended,
        label: `P${Math.round(plan.spareShare * 100)} pool: ${spares.recommended} → ${pct(spares.ettrAtRecommended)}`,
        colour: '#2ca02c',
      },
    ],
    simulated,
  );
  const intervals = curves.checkpointInterval;
  const intervalMarkers: Marker[] = [
    {
      x: inputs.checkpointIntervalMinutes,
      ettr: plan.estimate.ettr,
      label: `now: ${fixed(inputs.checkpointIntervalMinutes)} min → ${pct(plan.estimate.ettr)}`,
      colour: '#d62728',
    },
  ];
  if (Number.isFinite(checkpoint.optimalMinutes)) {
    intervalMarkers.push({
      x: checkpoint.optimalMinutes,
      ettr: checkpoint.ettrAtOptimal,
      label: `optimum: ${fixed(checkpoint.optimalMinutes)} min → ${pct(checkpoint.ettrAtOptimal)}`,
      colour: '#2ca02c',
    });
  }
  const intervalPanel = panel(
    LEFT[1]!,
    'ETTR against the checkpoint interval',
    `checkpoint interval, minutes (log scale; write ${fixed(inputs.checkpointWriteMinutes * 60)} s)`,
    intervals,
    { min: intervals[0]!.x, max: intervals.at(-1)!.x, log: true },
    intervalMarkers,
    [],
  );
  const subtitle =
    `${inputs.nodes} nodes · ${(inputs.failuresPerNodeDay * 1000).toFixed(2)} failures per 1,000 node-days · ` +
    `detection ${fixed(inputs.detectMinutes)} min · restart ${fixed(inputs.restartMinutes)} min · ` +
    `${inputs.spares} spares · checkpoint ${fixed(inputs.checkpointIntervalMinutes)} min`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<title>Expected ETTR of a ${inputs.nodes}-node job against the spare pool and the checkpoint interval</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
    sparePanel,
    intervalPanel,
    `<text x="${WIDTH / 2}" y="${HEIGHT - 12}" text-anchor="middle" font-size="11" fill="#555">line: analytic model (renewal + Erlang B)${simulated.length ? ' · dots: Monte Carlo mean' : ''} · dashed: current (red) and recommended (green)</text>`,
    '</svg>',
    '',
  ].join('\n');
};
