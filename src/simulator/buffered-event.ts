/** A published event as the simulator keeps it: serialized once, written as is to every stream. */
export interface BufferedEvent {
  readonly id: string;
  readonly type: string;
  /** The asset the event is about (InjectedEvent.assetId), for the stream's asset filter. */
  readonly assetId: string | undefined;
  /** The complete SSE frame. */
  readonly frame: string;
  /** When it was published, epoch ms. */
  readonly at: number;
}
