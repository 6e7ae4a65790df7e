/** The loraflow CLI is used through its `loraflow` binary; this module exposes nothing else. */
export const CLI_NAME = 'loraflow';
