export { ParleyApi, type HistoryQuery, type ParleyApiOptions } from './parley-api';
export {
  ParleySocket,
  newClientId,
  type EndReason,
  type ParleyIo,
  type ParleySocketOptions,
} from './parley-socket';
export type { AckOf, ClientEvent, PayloadOf } from './acks';
export { ParleyAckError, ParleyHttpError } from './errors';
export { RoomSequencer, type RoomPosition } from './room-sequencer';
export type * from '@app/contracts/models';
export type * from '@app/contracts/events';
