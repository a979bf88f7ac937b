/**
 * Realtime `error` events, with the codes and messages the live service was observed to send
 * (PROTOCOLS.md §5.1, §5.2, §5.3, §5.6). Errors are recoverable: the session stays open.
 */
export interface RealtimeErrorBody {
  type: string;
  code: string | null;
  message: string;
  param: string | null;
  /** The client event that failed, when it carried an event_id. */
  event_id: string | null;
}

function invalidRequest(code: string | null, message: string, param: string | null = null): Omit<RealtimeErrorBody, 'event_id'> {
  return { type: 'invalid_request_error', code, message, param };
}

export const realtimeErrors = {
  betaShapeDisabled: () =>
    invalidRequest('beta_api_shape_disabled', 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.'),
  missingSessionType: () => invalidRequest('missing_required_parameter', "Missing required parameter: 'session.type'.", 'session.type'),
  /** The mock's wording: the live message for these is not documented. */
  invalidValue: (param: string, message: string) => invalidRequest('invalid_value', message, param),
  cannotUpdateVoice: () =>
    invalidRequest('cannot_update_voice', "Cannot update a conversation's voice if assistant audio is present.", 'session.audio.output.voice'),
  commitTooSmall: (bufferedMs: number) =>
    invalidRequest(
      'input_audio_buffer_commit_empty',
      `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${bufferedMs.toFixed(2)}ms of audio.`,
    ),
  cancelNotActive: () => invalidRequest('response_cancel_not_active', 'Cancellation failed: no active response found'),
  activeResponse: (responseId: string) =>
    invalidRequest(
      'conversation_already_has_active_response',
      `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
    ),
  audioShorter: (generatedMs: number, requestedMs: number) =>
    invalidRequest('invalid_value', `Audio content of ${generatedMs}ms is already shorter than ${requestedMs}ms`, 'audio_end_ms'),
  notTruncatable: () => invalidRequest('unsupported_content_type', 'Only model output audio messages can be truncated', 'item_id'),
  /** The mock's wording. */
  unknownItem: (itemId: string) => invalidRequest('item_not_found', `Conversation item with id '${itemId}' not found.`, 'item_id'),
  invalidContentIndex: () => invalidRequest('invalid_value', 'Invalid content_index: only content_index 0 can be truncated.', 'content_index'),
  invalidJson: (detail: string) => invalidRequest('invalid_event', `Invalid JSON in client event: ${detail}`),
  missingType: () => invalidRequest('invalid_event', "The 'type' field is missing."),
  unknownType: (type: string) => invalidRequest('invalid_event', `Invalid value: '${type}'. Supported values are: ${CLIENT_EVENT_TYPES.map((t) => `'${t}'`).join(', ')}.`, 'type'),
  badAudio: () => invalidRequest('invalid_value', 'Invalid base64 audio data.', 'audio'),
  missingParam: (param: string) => invalidRequest('missing_required_parameter', `Missing required parameter: '${param}'.`, param),
};

/** The client event types of the GA API over WebSocket (output_audio_buffer.clear is WebRTC/SIP only). */
export const CLIENT_EVENT_TYPES = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
] as const;
