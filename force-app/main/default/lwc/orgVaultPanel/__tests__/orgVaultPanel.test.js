import { api } from 'lwc';
import OrgVaultPanel from 'c/orgVaultPanel';
import { flushPromises, mount, org } from 'test-lwc/helpers';

/** The base class has no template of its own; a probe exposes its protected helpers. */
class Probe extends OrgVaultPanel {
  @api fetch(fn) {
    return this.load(fn);
  }
  @api run(fn, message) {
    return this.submit(fn, message);
  }
  @api get state() {
    return { error: this.error, busy: this.busy };
  }
  @api cancel() {
    this.close();
  }
}

describe('c/orgVaultPanel', () => {
  it('loads, keeping a failure as the error', async () => {
    const element = mount('c-probe', Probe, { org: org() });
    await expect(element.fetch(() => Promise.resolve(7))).resolves.toBe(7);
    const failure = new Error('offline');
    await expect(element.fetch(() => Promise.reject(failure))).resolves.toBeUndefined();
    expect(element.state.error).toBe(failure);
  });

  it('submits: done with the result on success, the error on failure', async () => {
    const element = mount('c-probe', Probe, { org: org() });
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    let finish;
    const running = element.run(() => new Promise((resolve) => (finish = resolve)), 'Saved.');
    expect(element.state.busy).toBe(true);
    finish({ ok: true });
    await running;
    expect(onDone.mock.calls[0][0].detail).toEqual({ message: 'Saved.', result: { ok: true } });
    expect(element.state).toEqual({ error: undefined, busy: false });

    const failure = new Error('refused');
    await element.run(() => Promise.reject(failure), 'Saved.');
    expect(element.state).toEqual({ error: failure, busy: false });
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('asks to close', async () => {
    const element = mount('c-probe', Probe, { org: org() });
    const onClose = jest.fn();
    element.addEventListener('close', onClose);
    element.cancel();
    await flushPromises();
    expect(onClose).toHaveBeenCalled();
  });
});
