import type { Config } from '../config/config';
import type { Logger } from '../log';
import type { AtomicStorage } from '../state/storage';
import type { AzureQueueTransport as AzureTransport, azureQueueClients as clientsFor } from './azureQueue';
import type { DeliveryClock } from './clock';
import type { QueueTransport } from './queue';

/**
 * Where deliveries wait for the configured store: Azure Queue Storage with STORAGE=blob (any number of instances),
 * else undefined, for the store's own queue (file and memory stores, one process).
 */
export function createDeliveryTransport(config: Config, storage: AtomicStorage, clock: DeliveryClock, log: Logger): QueueTransport | undefined {
  if (config.storage.kind !== 'blob') return undefined;
  // Loaded only when used, like the blob SDK.
  const { AzureQueueTransport, azureQueueClients } = require('./azureQueue') as {
    AzureQueueTransport: typeof AzureTransport;
    azureQueueClients: typeof clientsFor;
  };
  const clients = azureQueueClients(config.storage.access, config.storage.container, config.storage.queueUrl);
  return new AzureQueueTransport({ ...clients, storage, clock, log });
}
