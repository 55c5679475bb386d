/** How a long step tells a person what it does: one line at a time, to wherever the caller shows lines. */
export type Say = (line: string) => void;
