import { useState } from 'react';
import type { Message, Room } from '../contracts';
import { displayName, isAdmin, isTeamRoom } from '../lib/selectors';
import type { ChatState } from '../lib/store';
import { linkify, timeLabel } from '../lib/timeline';
import { MessageMenu } from './MessageMenu';
import { Reactions } from './Reactions';

/** What one can do to a message from its menu and its reaction chips. */
export interface MessageActions {
  onEdit: (message: Message) => void;
  /** Block or unblock the message's author. */
  onBlock: (userId: string, on: boolean) => void;
  onDelete: (message: Message) => void;
  onReact: (message: Message, emoji: string, on: boolean) => void;
}

interface Props extends MessageActions {
  state: ChatState;
  room: Room;
  message: Message;
  head: boolean;
  /** This message is being edited in the composer. */
  editing: boolean;
}

const when = (seconds: number) => new Date(seconds * 1000);

/**
 * One stored message: author (group rooms), text (React escapes it; direction-isolated), time,
 * "(edited)", reactions and the actions menu; a deleted message is a tombstone.
 */
export function MessageItem({ state, room, message: m, head, editing, ...actions }: Props) {
  const own = m.from === state.me.id;
  const blocked = Boolean(state.blocked[m.from]);
  const [shown, setShown] = useState(false);
  if (blocked && room.kind !== 'dm' && !m.deleted && !shown)
    return (
      <li className="msg msg--blocked" data-testid="blocked-message" data-id={m.id}>
        <span className="msg__tombstone">
          Blocked message –{' '}
          <button type="button" className="link" onClick={() => setShown(true)}>
            show
          </button>
        </span>
      </li>
    );
  const canDelete = !m.deleted && (own || (isTeamRoom(room) && isAdmin(room)));
  const classes = ['msg', own && 'msg--own', head && 'msg--head', m.deleted && 'msg--deleted'];
  if (editing) classes.push('msg--editing');
  return (
    <li
      className={classes.filter(Boolean).join(' ')}
      data-testid="message"
      data-id={m.id}
      data-seq={m.seq}
      data-status="sent"
      data-deleted={m.deleted ? 'true' : undefined}
    >
      {head && room.kind !== 'dm' && !own && (
        <div className="msg__author" data-testid="message-author">
          <bdi>{displayName(state, m.from)}</bdi>
        </div>
      )}
      <div className="msg__row">
        <div className="msg__bubble">
          {m.deleted ? (
            <span className="msg__tombstone" data-testid="tombstone">
              This message was deleted
            </span>
          ) : (
            <bdi className="msg__text" dir="auto" data-testid="message-text">
              <MessageText text={m.message} />
            </bdi>
          )}
          {m.editedAt !== undefined && !m.deleted && (
            <span
              className="msg__edited"
              title={`Edited ${when(m.editedAt).toLocaleString()}`}
              data-testid="edited"
            >
              (edited)
            </span>
          )}
          <time
            className="msg__time"
            dateTime={when(m.date).toISOString()}
            title={when(m.date).toLocaleString()}
          >
            {timeLabel(m.date)}
          </time>
        </div>
        {!m.deleted && (
          <MessageMenu
            canEdit={own}
            canDelete={canDelete}
            onEdit={() => actions.onEdit(m)}
            block={
              own
                ? undefined
                : {
                    label: `${blocked ? 'Unblock' : 'Block'} ${displayName(state, m.from)}`,
                    run: () => actions.onBlock(m.from, !blocked),
                  }
            }
            onDelete={() => actions.onDelete(m)}
            onReact={(emoji) =>
              actions.onReact(
                m,
                emoji,
                !m.reactions?.some((r) => r.emoji === emoji && r.userIds.includes(state.me.id)),
              )
            }
          />
        )}
      </div>
      {!m.deleted && (
        <Reactions
          state={state}
          message={m}
          onToggle={(emoji, on) => actions.onReact(m, emoji, on)}
        />
      )}
    </li>
  );
}

/** Text only (React escapes it); http(s) URLs become plain links that open in a new tab. */
export function MessageText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((part, i) =>
        part.href ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow ugc">
            {part.text}
          </a>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  );
}
