import type { Plugin } from 'chart.js';
import type { ChartTheme } from './theme';

/** A horizontal reference line, e.g. the clip threshold. */
export interface ReferenceLine {
  value: number;
  label: string;
}

/** Fills the chart with the theme's background (a saved PNG is then not transparent). */
export function backgroundPlugin(theme: () => ChartTheme): Plugin<'line'> {
  return {
    id: 'losslabBackground',
    beforeDraw: (chart) => {
      const { ctx, width, height } = chart;
      ctx.save();
      ctx.fillStyle = theme().background;
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    },
  };
}

/** Horizontal reference lines (the clip threshold), drawn into the chart so a saved PNG has them. */
export function referencePlugin(references: () => readonly ReferenceLine[], theme: () => ChartTheme): Plugin<'line'> {
  return {
    id: 'losslabReferences',
    afterDatasetsDraw: (chart) => {
      const { ctx, chartArea: area, scales } = chart;
      const { fontSize, fontFamily, threshold } = theme();
      ctx.save();
      ctx.font = `${Math.max(10, fontSize - 2)}px ${fontFamily}`;
      ctx.strokeStyle = threshold;
      ctx.fillStyle = threshold;
      ctx.lineWidth = 1;
      ctx.setLineDash([3, 3]);
      ctx.textAlign = 'right';
      for (const reference of references()) {
        const py = scales.y.getPixelForValue(reference.value);
        if (!Number.isFinite(py) || py < area.top - 1 || py > area.bottom + 1) continue;
        ctx.beginPath();
        ctx.moveTo(area.left, py);
        ctx.lineTo(area.right, py);
        ctx.stroke();
        const nearTop = py - area.top < 14;
        ctx.textBaseline = nearTop ? 'top' : 'bottom';
        ctx.fillText(reference.label, area.right - 4, py + (nearTop ? 3 : -3));
      }
      ctx.restore();
    },
  };
}
