import type { CryptographyClient } from '@azure/keyvault-keys';
import type { TokenCredential } from '@azure/core-auth';
import { OrgVaultError } from '../../errors.js';
import type { KeyEncryptionKey } from './kek.js';

/**
 * A KEK held in Azure Key Vault (an RSA key, RSA-OAEP-256): data keys are wrapped and unwrapped by
 * the vault, the KEK itself never reaches us. `keyId` is the key's URL, with a version so that
 * rotating the key in the vault does not strand data keys wrapped by the older version.
 * Not exercised by the test suite (no vault is reachable here); the wiring follows the SDK's
 * documented wrapKey/unwrapKey calls. The Azure SDKs load on first use: most engines keep a local
 * key file, and the SDKs cost tens of megabytes of memory in every process.
 */
export function azureKeyVaultKek(keyId: string, credential?: TokenCredential): KeyEncryptionKey {
  let client: Promise<CryptographyClient> | undefined;
  const vault = (): Promise<CryptographyClient> =>
    (client ??= (async () => {
      const { CryptographyClient } = await import('@azure/keyvault-keys');
      return new CryptographyClient(keyId, credential ?? new (await import('@azure/identity')).DefaultAzureCredential());
    })());
  const fail = (op: string, err: unknown): OrgVaultError =>
    new OrgVaultError('KEY_ERROR', `Azure Key Vault could not ${op} with ${keyId}: ${(err as Error).message}`, {
      actions: ['Check AZURE_KEY_VAULT_KEY_ID, that the identity has the wrapKey/unwrapKey permissions, and the network.'],
      cause: err,
    });
  return {
    id: `azure:${keyId}`,
    // RSA-OAEP has no associated data; the context is bound by where the wrapped key is stored.
    wrap: async (key) => {
      try {
        return Buffer.from((await (await vault()).wrapKey('RSA-OAEP-256', key)).result);
      } catch (err) {
        throw fail('wrap a key', err);
      }
    },
    unwrap: async (wrapped) => {
      try {
        return Buffer.from((await (await vault()).unwrapKey('RSA-OAEP-256', wrapped)).result);
      } catch (err) {
        throw fail('unwrap a key', err);
      }
    },
  };
}
