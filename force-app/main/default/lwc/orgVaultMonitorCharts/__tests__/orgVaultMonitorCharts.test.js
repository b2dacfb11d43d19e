import OrgVaultMonitorCharts from 'c/orgVaultMonitorCharts';
import getMonitorSeries from '@salesforce/apex/OrgVaultController.getMonitorSeries';
import { loadScript } from 'lightning/platformResourceLoader';
import { flushPromises, mount } from 'test-lwc/helpers';
import SERIES from './data/series.json';
import EMPTY from './data/empty.json';
import RPO from './data/rpo.json';

/** Stands in for Chart.js (window.Chart once the static resource is loaded): keeps what it was given. */
class FakeChart {
  static made = [];
  constructor(canvas, config) {
    this.canvas = canvas;
    this.config = config;
    this.data = config.data;
    FakeChart.made.push(this);
  }
  update() {}
  destroy() {
    this.destroyed = true;
  }
}

async function open() {
  const element = mount('c-org-vault-monitor-charts', OrgVaultMonitorCharts, { orgId: 'org-1' });
  // The series, then Chart.js, then each chart's drawing: a few turns of the event loop.
  await flushPromises();
  await flushPromises();
  await flushPromises();
  return element;
}

const chartOf = (element, name) => element.shadowRoot.querySelector(`c-org-vault-chart.${name}`);
const liveCharts = () => FakeChart.made.filter((c) => !c.destroyed);
const byHeading = (heading) => liveCharts().find((c) => c.canvas.getAttribute('aria-label').startsWith(`${heading}:`));
const tableRows = (chart) =>
  [...chart.shadowRoot.querySelectorAll('table tbody tr')].map((tr) => [...tr.children].map((cell) => cell.textContent));

// Tests that scan the charts with sa11y get 30 s: five charts and their tables take seconds on a busy machine.
describe('c-org-vault-monitor-charts', () => {
  beforeEach(() => {
    FakeChart.made = [];
    window.Chart = FakeChart;
    getMonitorSeries.mockResolvedValue(JSON.stringify(SERIES));
  });
  afterEach(() => {
    delete window.Chart;
  });

  it('without Chart.js the page stays usable: every chart gives way to its table', async () => {
    loadScript.mockRejectedValueOnce(new Error('static resource not found'));
    const element = await open();
    const chart = chartOf(element, 'protected');
    expect(chart.shadowRoot.querySelector('canvas')).toBeNull();
    expect(chart.shadowRoot.querySelector('.chart-unavailable')).not.toBeNull();
    expect(chart.shadowRoot.querySelector('table').classList).not.toContain('slds-assistive-text');
    expect(tableRows(chart)[0]).toEqual(['2026-11-24', '1,200', '10']);
    await expect(element).toBeAccessible();
  }, 30_000);

  it('draws each chart from the series, its data equal to the API’s', async () => {
    await open();
    expect(getMonitorSeries).toHaveBeenCalledWith({ orgId: 'org-1', days: '30' });
    expect(loadScript).toHaveBeenCalled();
    expect(liveCharts()).toHaveLength(5);
    const days = SERIES.days.map((d) => d.day);
    const col = (field) => SERIES.days.map((d) => d[field]);

    const protectedChart = byHeading('Records and files protected');
    expect(protectedChart.data.labels).toEqual(days);
    expect(protectedChart.data.datasets.map((d) => [d.label, d.type, d.data])).toEqual([
      ['Records protected', 'line', col('recordsProtected')],
      ['Files protected', 'line', col('filesProtected')],
    ]);
    expect(byHeading('API calls per day against the daily limit').data.datasets.map((d) => d.data)).toEqual([
      col('apiCalls'),
      col('apiLimit'),
    ]);
    expect(byHeading('Storage used').data.datasets[0].data).toEqual(col('bytesStored'));
    expect(byHeading('Job duration').data.datasets[0].data).toEqual(col('durationMs').map((ms) => ms / 1000));
  });

  it('stacks the changes per object and sets the deletions apart in red', async () => {
    const element = await open();
    const changes = byHeading('Changes per day by object');
    expect(changes.config.options.scales.y.stacked).toBe(true);
    expect(changes.data.datasets.map((d) => [d.label, d.stack, d.data])).toEqual([
      ['Account', 'changes', [1000, 11, 3]],
      ['Contact', 'changes', [200, 3, 0]],
      ['Deleted (all objects)', 'deleted', [0, 2, 0]],
    ]);
    const deleted = changes.data.datasets[2];
    expect(changes.data.datasets.slice(0, 2).map((d) => d.backgroundColor)).not.toContain(deleted.backgroundColor);
    expect(tableRows(chartOf(element, 'changes'))).toEqual([
      ['2026-11-24', '1,000', '200', '0'],
      ['2026-11-25', '11', '3', '2'],
      ['2026-11-26', '3', '0', '0'],
    ]);
  });

  it('gives each chart a table for screen readers, shown on request', async () => {
    const element = await open();
    const api = chartOf(element, 'api');
    const table = () => api.shadowRoot.querySelector('table');
    expect(table().classList).toContain('slds-assistive-text');
    expect(table().querySelector('caption').textContent.trim()).toBe('API calls per day against the daily limit');
    expect(tableRows(api)).toEqual([
      ['2026-11-24', '41', '15,000'],
      ['2026-11-25', '12', '15,000'],
      ['2026-11-26', '9', '15,000'],
    ]);
    const toggle = element.shadowRoot.querySelector('.toggle-tables');
    toggle.click();
    await flushPromises();
    expect(table().classList).not.toContain('slds-assistive-text');
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    await expect(element).toBeAccessible();
  }, 30_000);

  it('with continuous protection on, draws the RPO over the last day, with its table', async () => {
    getMonitorSeries.mockResolvedValue(JSON.stringify({ ...SERIES, rpo: RPO }));
    const element = await open();
    const names = [...element.shadowRoot.querySelectorAll('c-org-vault-chart')].map((c) => c.className);
    expect(names).toEqual(['protected', 'changes', 'api', 'storage', 'duration', 'rpo']);
    const rpo = byHeading('Age of the newest restorable point (RPO), last 24 hours');
    expect(rpo.data.labels).toEqual(RPO.map((p) => `${p.at.slice(11, 16)} UTC`));
    expect(rpo.data.datasets.map((d) => [d.label, d.type])).toEqual([['Minutes', 'line']]);
    expect(rpo.data.datasets[0].data).toEqual(RPO.map((p) => (p.ageMs === null ? null : p.ageMs / 60_000)));
    const chart = chartOf(element, 'rpo');
    expect(chart.shadowRoot.querySelector('thead th').textContent).toBe('Time');
    const rows = tableRows(chart);
    expect(rows).toHaveLength(96);
    expect(rows[0]).toEqual(['12:15 UTC', '—']);
    expect(rows.at(-1)).toEqual(['12:00 UTC', '90']);
    element.shadowRoot.querySelector('.toggle-tables').click();
    await flushPromises();
    await expect(element).toBeAccessible();
  }, 30_000);

  it('a window without jobs says so instead of drawing empty charts', async () => {
    getMonitorSeries.mockResolvedValue(JSON.stringify(EMPTY));
    const element = await open();
    expect(element.shadowRoot.querySelector('.empty-window').textContent).toBe('No backup ran in the last 30 days.');
    expect(element.shadowRoot.querySelector('c-org-vault-chart')).toBeNull();
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
    await expect(element).toBeAccessible();
  }, 30_000);

  it('loads the chosen window', async () => {
    const element = await open();
    const select = element.shadowRoot.querySelector('select.window');
    select.value = '7';
    select.dispatchEvent(new CustomEvent('change'));
    await flushPromises();
    expect(getMonitorSeries).toHaveBeenLastCalledWith({ orgId: 'org-1', days: '7' });
    expect(element.shadowRoot.querySelector('.empty-window')).toBeNull();
  });
});
