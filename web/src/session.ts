import { onScopeDispose, type Ref, ref } from 'vue';
import type { Role } from '../../shared/domain/case/actors.ts';
import { Refusal } from './refusal-words.ts';

/**
 * Who is signed in on a page, for every page: the sign-in it keeps (for the tab, or on the
 * phone: sign-in.ts `keptSignIn`), its reads repeated while someone is signed in, and
 * leaving. A token that runs out (its time is kept with it) or that the API refuses (401)
 * ends the session as `expired`: the page asks for a sign-in again, and where people sign
 * in through the user pool it goes straight there (a person still signed in there comes
 * back at once with a fresh token). Leaving by choice does not: the person chose to go.
 */
export interface SignedIn {
  token: string;
  user: { username: string; name?: string; roles: Role[]; unitId?: string };
}

/** Where a page keeps its sign-in: what it holds (none once its token has run out), and forgetting it. */
export interface KeptSignIn {
  read(): SignedIn | undefined;
  forget(): void;
}

export interface Session {
  who: Ref<SignedIn | undefined>;
  /** The last session ended because its token ran out or was refused, not by the person's choice. */
  expired: Ref<boolean>;
  /** A sign-in that took (and is kept): the page's reads run at once. */
  signedIn(person: SignedIn): void;
  /** The person leaves: the sign-in forgotten, the page's data with it. */
  leave(): void;
  /**
   * What an error means to the session: a refusal of the token (401) ends it as expired
   * (true); anything else is the page's to say (false).
   */
  refused(error: unknown): boolean;
  /** Runs the page's reads now (when someone is signed in, with a token that has not run out). */
  refresh(): Promise<void>;
}

export interface SessionOptions {
  /** The page's reads, with the person's sign-in; a refusal they throw goes to {@link Session.refused}. */
  read?: (who: SignedIn) => Promise<void>;
  /** How often the reads run again (ms); never without it. */
  everyMs?: number;
  /** After a session ends (left or expired): the page forgets what it read. */
  onLeave?: () => void;
  /** A read failed for another reason than the token: the page says so. */
  onProblem?: (error: Error) => void;
  /** A read succeeded: the page clears what it said about the last failure. */
  onRead?: () => void;
}

export function useSession(kept: KeptSignIn, options: SessionOptions = {}): Session {
  const who = ref<SignedIn | undefined>(kept.read());
  const expired = ref(false);

  function end(ranOut: boolean) {
    kept.forget();
    who.value = undefined;
    expired.value = ranOut;
    options.onLeave?.();
  }
  function refused(error: unknown): boolean {
    if (!(error instanceof Refusal && error.status === 401)) return false;
    if (who.value) end(true);
    return true;
  }
  async function refresh() {
    if (!who.value) return;
    // The kept sign-in is gone: its token ran out, or the person left in another of the page's tabs.
    if (!kept.read()) return end(true);
    if (!options.read) return;
    try {
      await options.read(who.value);
      options.onRead?.();
    } catch (error) {
      if (!refused(error)) options.onProblem?.(error as Error);
    }
  }
  const timer = options.everyMs ? setInterval(refresh, options.everyMs) : undefined;
  onScopeDispose(() => clearInterval(timer));

  return {
    who,
    expired,
    refused,
    refresh,
    signedIn(person) {
      who.value = person;
      expired.value = false;
      void refresh();
    },
    leave: () => end(false),
  };
}
