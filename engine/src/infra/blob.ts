import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { OrgVaultError } from '../errors.js';

/** Connects to Blob Storage and makes sure our container exists. */
export async function openContainer(connectionString: string, container: string): Promise<ContainerClient> {
  let client: ContainerClient;
  try {
    client = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  } catch (err) {
    throw new OrgVaultError('CONFIG_INVALID', `AZURE_STORAGE_CONNECTION_STRING is not usable: ${(err as Error).message}`, {
      actions: ['Copy the connection string from the storage account\'s "Access keys" page, or unset it to use Azurite.'],
      cause: err,
    });
  }
  try {
    await client.createIfNotExists();
  } catch (err) {
    throw new OrgVaultError('STORAGE_UNAVAILABLE', `Blob storage cannot be reached: ${(err as Error).message}`, {
      actions: ['Check AZURE_STORAGE_CONNECTION_STRING and the network, or unset it to use Azurite.'],
      cause: err,
    });
  }
  return client;
}
