import { LightningElement, api } from 'lwc';
import { loadScript } from 'lightning/platformResourceLoader';
import CHART_JS from '@salesforce/resourceUrl/chartJs';
import { formatCount } from 'c/orgVaultFormat';

/** Chart.js, loaded once per page from the package's static resource. */
let library;
function chartLibrary(component) {
  library ??= loadScript(component, CHART_JS).then(() => window.Chart);
  // A failed load is tried again by the next chart rather than remembered for the page's life.
  library.catch(() => {
    library = undefined;
  });
  return library;
}

/**
 * One chart of the monitor and its table: the table carries the same numbers for screen readers
 * (visually hidden unless asked for) and stands in for the chart when Chart.js cannot be loaded,
 * so the page is usable without it.
 *
 * series: [{ label, data: number[], kind: 'bar' | 'line', color, stack? }], one value per label.
 */
export default class OrgVaultChart extends LightningElement {
  @api heading;
  @api labels = [];
  @api series = [];
  @api stacked = false;
  /** The table's first column: what a label is. */
  @api labelHeading = 'Day';
  /** Shows the table on screen too (it is always there for screen readers). */
  @api showTable = false;

  failed = false;
  chart;

  async renderedCallback() {
    if (this.failed) return;
    let Chart;
    try {
      Chart = await chartLibrary(this);
    } catch {
      this.failed = true;
      return;
    }
    const canvas = this.template.querySelector('canvas');
    if (!canvas || !Chart) return;
    const config = this.config();
    if (this.chart && this.chart.canvas === canvas) {
      this.chart.data = config.data;
      this.chart.update();
    } else {
      this.chart?.destroy();
      this.chart = new Chart(canvas, config);
    }
  }

  disconnectedCallback() {
    this.chart?.destroy();
    this.chart = undefined;
  }

  config() {
    return {
      type: 'bar',
      data: {
        labels: [...this.labels],
        datasets: this.series.map((s) => ({
          type: s.kind,
          label: s.label,
          data: [...s.data],
          backgroundColor: s.color,
          borderColor: s.color,
          ...(s.stack ? { stack: s.stack } : {}),
          ...(s.kind === 'line' ? { fill: false, pointRadius: 2 } : {}),
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: this.stacked }, y: { stacked: this.stacked, beginAtZero: true } },
        plugins: { legend: { position: 'bottom' } },
      },
    };
  }

  get canvasLabel() {
    return `${this.heading}: chart; the table of its data follows.`;
  }

  get tableClass() {
    const base = 'data-table slds-table slds-table_bordered slds-table_cell-buffer slds-m-top_x-small';
    return this.showTable || this.failed ? base : `${base} slds-assistive-text`;
  }

  get columns() {
    return this.series.map((s, i) => ({ key: `c${i}`, label: s.label }));
  }

  get rows() {
    return this.labels.map((label, r) => ({
      key: label,
      label,
      cells: this.series.map((s, c) => ({
        key: `c${c}`,
        text: s.data[r] === null || s.data[r] === undefined ? '—' : formatCount(s.data[r]),
      })),
    }));
  }
}
