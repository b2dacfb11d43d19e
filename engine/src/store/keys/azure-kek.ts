import { CryptographyClient } from '@azure/keyvault-keys';
import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import { OrgVaultError } from '../../errors.js';
import type { KeyEncryptionKey } from './kek.js';

/**
 * A KEK held in Azure Key Vault (an RSA key, RSA-OAEP-256): data keys are wrapped and unwrapped by
 * the vault, the KEK itself never reaches us. `keyId` is the key's URL, with a version so that
 * rotating the key in the vault does not strand data keys wrapped by the older version.
 * Not exercised by the test suite (no vault is reachable here); the wiring follows the SDK's
 * documented wrapKey/unwrapKey calls.
 */
export function azureKeyVaultKek(keyId: string, credential: TokenCredential = new DefaultAzureCredential()): KeyEncryptionKey {
  const client = new CryptographyClient(keyId, credential);
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
        return Buffer.from((await client.wrapKey('RSA-OAEP-256', key)).result);
      } catch (err) {
        throw fail('wrap a key', err);
      }
    },
    unwrap: async (wrapped) => {
      try {
        return Buffer.from((await client.unwrapKey('RSA-OAEP-256', wrapped)).result);
      } catch (err) {
        throw fail('unwrap a key', err);
      }
    },
  };
}
