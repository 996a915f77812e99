/**
 * Splits one CSV line into trimmed cells. Recorded market data rarely quotes anything, so the
 * common case is a plain split; quoted cells (`"BTCUSDT"`, `"a,b"`, `"say ""hi"""`) follow RFC 4180.
 */
export function csvCells(line: string): string[] {
  if (!line.includes('"')) return line.split(",").map((cell) => cell.trim());
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (quoted) {
      if (char !== '"') cell += char;
      else if (line[index + 1] === '"') {
        cell += '"';
        index++;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      cells.push(cell.trim());
      cell = "";
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}
