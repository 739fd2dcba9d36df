import type { ObservationSeries } from './observation-series.ts';
import { formatNumber } from './fhir-text.ts';

const WIDTH = 320;
const HEIGHT = 120;
/** The top value and its unit sit above the plot (top), so a long unit never runs into the line. */
const PAD = { left: 40, right: 8, top: 18, bottom: 20 };
const MAX_PATH_POINTS = 80;
const MAX_DOTS = 12;

/**
 * A server-rendered SVG line chart with the reference range as a shaded band. Plain SVG attributes only
 * (no inline style, no script), so it renders under the strict Content-Security-Policy and needs no library.
 */
export function TrendChart(props: { series: ObservationSeries }) {
  const { series } = props;
  const { x, y, min, max, first, last } = createScales(series);
  // Long series: the line is thinned to MAX_PATH_POINTS and only the newest points get a dot, so a chart stays
  // a few KB however many results there are (page weight budget).
  const step = Math.ceil(series.points.length / MAX_PATH_POINTS);
  const drawn = series.points.filter((_, i) => i % step === 0 || i === series.points.length - 1);
  const dots = series.points.slice(-MAX_DOTS);
  const path = drawn
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
  const latest = series.points.at(-1);
  const label =
    `${series.name}: ${series.points.length} result(s), latest ${latest ? formatNumber(latest.value) : ''} ${series.unit}`.trim();
  // The top value carries the unit, so the axis reads "120 mmHg" rather than a bare number.
  const unit = series.unit ? ` ${series.unit}` : '';
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
      <title>{label}</title>
      {series.low !== undefined && series.high !== undefined ? (
        <rect
          class="chart-range"
          x={PAD.left}
          width={WIDTH - PAD.left - PAD.right}
          y={y(series.high).toFixed(1)}
          height={Math.max(0, y(series.low) - y(series.high)).toFixed(1)}
        />
      ) : null}
      <path class="chart-line" d={path} fill="none" />
      {dots.map((p) => (
        <circle class="chart-point" cx={x(p.at).toFixed(1)} cy={y(p.value).toFixed(1)} r="2.5" />
      ))}
      <text class="chart-axis" x="2" y={(PAD.top - 6).toString()}>
        {`${formatNumber(max)}${unit}`}
      </text>
      <text class="chart-axis" x="2" y={(HEIGHT - PAD.bottom).toString()}>
        {formatNumber(min)}
      </text>
      <text class="chart-axis" x={PAD.left.toString()} y={(HEIGHT - 4).toString()}>
        {new Date(first).toISOString().slice(0, 10)}
      </text>
      <text
        class="chart-axis"
        x={(WIDTH - PAD.right).toString()}
        y={(HEIGHT - 4).toString()}
        text-anchor="end"
      >
        {new Date(last).toISOString().slice(0, 10)}
      </text>
    </svg>
  );
}

/** Maps time and value to chart coordinates; the value axis always includes the reference range. */
function createScales(series: ObservationSeries) {
  const bounds = [
    ...series.points.map((p) => p.value),
    ...(series.low !== undefined ? [series.low] : []),
    ...(series.high !== undefined ? [series.high] : []),
  ];
  const min = Math.min(...bounds);
  const max = Math.max(...bounds);
  const span = max - min || Math.abs(max) || 1;
  const first = series.points[0]?.at ?? 0;
  const last = series.points.at(-1)?.at ?? first;
  const x = (at: number) => PAD.left + ((at - first) / (last - first || 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) =>
    PAD.top + (1 - (v - (min - span * 0.05)) / (span * 1.1)) * (HEIGHT - PAD.top - PAD.bottom);
  return { x, y, min, max, first, last };
}
