import { engineError, errorTitle, reduceActions, reduceErrors } from 'c/orgVaultErrors';
import { apexError } from 'test-lwc/helpers';

describe('c/orgVaultErrors', () => {
  it('reads the engine error the controller puts in AuraHandledException', () => {
    expect(engineError(apexError('JOB_RUNNING', 'A job runs', ['Wait for it.']))).toEqual({
      code: 'JOB_RUNNING',
      status: 409,
      message: 'A job runs',
      actions: ['Wait for it.'],
    });
    expect(engineError({ body: { message: 'plain Apex message' } })).toBeNull();
    expect(engineError({ body: { message: '{not json' } })).toBeNull();
    expect(engineError({ body: { message: '{"no":"code"}' } })).toBeNull();
    expect(engineError(undefined)).toBeNull();
  });

  it('reduces every error shape to messages, dropping empty ones', () => {
    expect(
      reduceErrors([
        apexError('FORBIDDEN', 'Not yours'),
        { body: [{ message: 'ui api 1' }, { message: 'ui api 2' }] },
        { body: { message: 'apex' } },
        new Error('js'),
        { statusText: 'Bad Gateway' },
        null,
        {},
      ]),
    ).toEqual(['Not yours', 'ui api 1', 'ui api 2', 'apex', 'js', 'Bad Gateway']);
    expect(reduceErrors(new Error('one'))).toEqual(['one']);
  });

  it('collects the actions of engine errors only', () => {
    expect(reduceActions([apexError('STORAGE_NOT_CONFIGURED', 'No storage', ['Configure it.']), new Error('x')])).toEqual([
      'Configure it.',
    ]);
  });

  it('titles known refusals and falls back otherwise', () => {
    expect(errorTitle(apexError('FULL_BACKUP_REQUIRED', 'x'), 'fallback')).toBe("This cycle's full backup has not finished yet");
    expect(errorTitle(apexError('STORAGE_NOT_CONFIGURED', 'x'), 'fallback')).toBe('Backup storage is not configured');
    expect(errorTitle(apexError('SOMETHING_NEW', 'x'), 'fallback')).toBe('fallback');
    expect(errorTitle(new Error('x'), 'fallback')).toBe('fallback');
  });
});
