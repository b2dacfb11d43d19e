import { LightningElement, api } from 'lwc';
import { getMonitorSeries } from 'c/orgVaultApi';

export const WINDOWS = [7, 30, 90, 365];
const DEFAULT_DAYS = 30;

/** SLDS chart colours; deletions get the error red so they stand out of the stacked changes. */
const PALETTE = ['#0176d3', '#04844b', '#fe9339', '#9050e9', '#06a59a', '#c23934', '#706e6b', '#b78f00', '#3a49da'];
const DELETED = '#ea001e';

/**
 * The monitor's charts over a chosen window: records and files protected, changes per day by
 * object (deletions stand out), API calls against the daily limit, storage used, and job
 * duration, each from the org's one series (GET /orgs/{orgId}/monitor); with continuous
 * protection on, the age of the newest restorable point (RPO) over the last day too. A window
 * without jobs says so instead of drawing empty charts.
 */
const minutes = (ms) => (ms === null ? null : Math.round(ms / 6000) / 10);

export default class OrgVaultMonitorCharts extends LightningElement {
  @api orgId;

  days = DEFAULT_DAYS;
  series;
  error;
  showTables = false;

  connectedCallback() {
    this.load();
  }

  @api
  async load() {
    try {
      this.series = await getMonitorSeries(this.orgId, this.days);
      this.error = undefined;
    } catch (e) {
      this.error = e;
    }
  }

  get windows() {
    return WINDOWS.map((d) => ({ value: String(d), label: `Last ${d} days`, selected: d === this.days }));
  }

  changeWindow(event) {
    this.days = Number(event.target.value);
    this.load();
  }

  toggleTables() {
    this.showTables = !this.showTables;
  }

  get tablesLabel() {
    return this.showTables ? 'Hide the data tables' : 'Show the data as tables';
  }

  get loaded() {
    return !!this.series;
  }

  get empty() {
    return this.series?.jobs === 0;
  }

  get emptyText() {
    return `No backup ran in the last ${this.days} days.`;
  }

  get labels() {
    return (this.series?.days ?? []).map((d) => d.day);
  }

  /** The charts to draw, in page order: the window's unless it is empty, and the RPO's when the series has it. */
  get charts() {
    const daily = [
      { name: 'protected', heading: 'Records and files protected', series: this.protectedSeries },
      { name: 'changes', heading: 'Changes per day by object', series: this.changeSeries, stacked: true },
      { name: 'api', heading: 'API calls per day against the daily limit', series: this.apiSeries },
      { name: 'storage', heading: 'Storage used', series: this.storageSeries },
      { name: 'duration', heading: 'Job duration', series: this.durationSeries },
    ].map((c) => ({ stacked: false, labels: this.labels, labelHeading: 'Day', ...c }));
    const rpo = this.series?.rpo;
    return [
      ...(this.empty ? [] : daily),
      ...(rpo
        ? [
            {
              name: 'rpo',
              heading: 'Age of the newest restorable point (RPO), last 24 hours',
              // UTC, as the series' days are.
              labels: rpo.map((p) => `${p.at.slice(11, 16)} UTC`),
              series: [{ label: 'Minutes', data: rpo.map((p) => minutes(p.ageMs)), kind: 'line', color: PALETTE[2] }],
              stacked: false,
              labelHeading: 'Time',
            },
          ]
        : []),
    ];
  }

  column(field, scale = 1) {
    return (this.series?.days ?? []).map((d) => (d[field] === null ? null : d[field] / scale));
  }

  get protectedSeries() {
    return [
      { label: 'Records protected', data: this.column('recordsProtected'), kind: 'line', color: PALETTE[0] },
      { label: 'Files protected', data: this.column('filesProtected'), kind: 'line', color: PALETTE[1] },
    ];
  }

  /** Per object its changes of the day stacked; beside them, every object's deletions in red. */
  get changeSeries() {
    const objects = this.series?.changesByObject ?? [];
    const deleted = this.labels.map((_, i) => objects.reduce((sum, o) => sum + o.deleted[i], 0));
    return [
      ...objects.map((o, k) => ({
        label: o.object,
        data: o.inserted.map((v, i) => v + o.updated[i] + o.deleted[i]),
        kind: 'bar',
        color: PALETTE[k % PALETTE.length],
        stack: 'changes',
      })),
      { label: 'Deleted (all objects)', data: deleted, kind: 'bar', color: DELETED, stack: 'deleted' },
    ];
  }

  get apiSeries() {
    return [
      { label: 'API calls', data: this.column('apiCalls'), kind: 'bar', color: PALETTE[0] },
      { label: 'Daily API limit', data: this.column('apiLimit'), kind: 'line', color: PALETTE[5] },
    ];
  }

  get storageSeries() {
    return [{ label: 'Bytes stored', data: this.column('bytesStored'), kind: 'line', color: PALETTE[3] }];
  }

  get durationSeries() {
    return [{ label: 'Longest job (seconds)', data: this.column('durationMs', 1000), kind: 'bar', color: PALETTE[4] }];
  }
}
