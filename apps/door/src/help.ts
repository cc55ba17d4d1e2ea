/** HELP's answer, one `HELP <line>` each; docs/line-door.md says the same at more length. */
export const HELP_LINES = [
  'Parley line door: one command per line, answered by OK <VERB> ... or ERR <code> <text>.',
  'NICK <username> <password>   log in (an unknown name signs up when the server allows it)',
  'TOKEN <token>                log in with a session or API token',
  'WHO                          who is online: WHO <username> <status> lines, then OK WHO <n>',
  'TALKTO <username>            start a conversation; they see: start <you>',
  'MSG <username> <text>        send; in text \\n is a new line and \\\\ a backslash',
  'STOP <username>              end it; they see: stop <you>; their lines wait until a TALKTO',
  'HISTORY <username> [n]       the last n (1-100, default 20): HIST <seq> <from> <date> <text>',
  'PING                         OK PONG',
  'QUIT                         leave',
  'You receive: MSG <from> <text>, start <user>, stop <user>.',
  'Lines are UTF-8, at most 4096 bytes; idle connections are closed.',
];
