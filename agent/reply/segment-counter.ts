/** Numbers the audio segments of each turn 1, 2, 3…, starting again at 1 when the turn changes: mark names. */
export type SegmentCounter = (turn: number) => number;

export function createSegmentCounter(): SegmentCounter {
  let currentTurn = -1;
  let index = 0;
  return (turn) => {
    if (turn !== currentTurn) {
      currentTurn = turn;
      index = 0;
    }
    index += 1;
    return index;
  };
}
