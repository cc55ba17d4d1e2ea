import type { Message } from '../contracts';
import { displayName, isolate } from '../lib/selectors';
import type { ChatState } from '../lib/store';

/** Common emoji for the quick picker. */
export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'];

/** Who reacted, for the chip's title: the names the server lists, then "and N more". */
function reactors(state: ChatState, userIds: string[], count: number): string {
  const names = userIds.map((id) => isolate(id === state.me.id ? 'You' : displayName(state, id)));
  const more = count - userIds.length;
  return more > 0 ? `${names.join(', ')} and ${more} more` : names.join(', ');
}

/** A message's reactions as toggle chips: the emoji, the count, who reacted in the title. */
export function Reactions({
  state,
  message,
  onToggle,
}: {
  state: ChatState;
  message: Message;
  onToggle: (emoji: string, on: boolean) => void;
}) {
  if (!message.reactions?.length) return null;
  return (
    <div className="reactions" data-testid="reactions">
      {message.reactions.map((r) => {
        const mine = r.userIds.includes(state.me.id);
        const who = reactors(state, r.userIds, r.count);
        return (
          <button
            key={r.emoji}
            type="button"
            className={`reaction${mine ? ' reaction--mine' : ''}`}
            aria-pressed={mine}
            aria-label={`${r.emoji} ${r.count}: ${who}`}
            title={who}
            onClick={() => onToggle(r.emoji, !mine)}
            data-testid="reaction"
            data-emoji={r.emoji}
          >
            <span aria-hidden="true">{r.emoji}</span>
            <span className="reaction__count" data-testid="reaction-count">
              {r.count}
            </span>
          </button>
        );
      })}
    </div>
  );
}
