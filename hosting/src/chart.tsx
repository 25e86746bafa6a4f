/**
 * A line chart (uPlot, loaded with the page that shows it) with its numbers as a table beside it:
 * the canvas is hidden from assistive technology, the table is what screen readers and keyboard
 * users read, and anyone can open it.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
}

export interface ChartProps {
  /** Names the chart and its table. */
  title: string;
  x: number[];
  /** true: x holds Unix seconds (uPlot's time axis); false: plain numbers. */
  time: boolean;
  series: Series[];
  xLabel: string;
  yLabel: string;
  /** Counts: y ticks on whole numbers only. */
  integer?: boolean;
  /** Fixed y range, else fitted to the data. */
  yRange?: [number, number];
  formatX: (x: number) => string;
  formatY: (y: number) => string;
  height?: number;
}

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  // The plot is drawn again only when what it shows changes (parents pass new arrays every render).
  const shown = JSON.stringify([props.x, props.series, props.time, props.yRange, props.height]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axis = { stroke: '#c9d1d9', grid: { stroke: '#30363d' }, ticks: { stroke: '#30363d' } };
    const plot = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: props.height ?? 260,
        scales: {
          x: { time: props.time },
          ...(props.yRange ? { y: { range: props.yRange } } : {}),
        },
        axes: [
          // A time axis keeps uPlot's own tick labels (short, and fitted to the span shown).
          {
            ...axis,
            label: props.xLabel,
            ...(props.time ? {} : { values: (_u: uPlot, ticks: number[]) => ticks.map(props.formatX) }),
          },
          {
            ...axis,
            label: props.yLabel,
            values: (_u, ticks) => ticks.map(props.formatY),
            ...(props.integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] } : {}),
          },
        ],
        legend: { show: true },
        series: [
          { label: props.xLabel, value: (_u, v) => (v === null ? '–' : props.formatX(v)) },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            spanGaps: true,
            ...(s.dash ? { dash: s.dash } : {}),
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : props.formatY(v)),
          })),
        ],
      },
      [props.x, ...props.series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 260 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [shown]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} class="chart-canvas" aria-hidden="true" />
      <details>
        <summary>The numbers as a table</summary>
        <div class="table-wrap">
          <table>
            <caption>{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">{props.xLabel}</th>
                {props.series.map((s) => (
                  <th key={s.label} scope="col">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.x.map((x, i) => (
                <tr key={x}>
                  <th scope="row">{props.formatX(x)}</th>
                  {props.series.map((s) => {
                    const v = s.values[i];
                    return <td key={s.label}>{v === null || v === undefined ? '–' : props.formatY(v)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
