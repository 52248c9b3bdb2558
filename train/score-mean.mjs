// The mean of one field over `sarwatch score --json` outputs concatenated on stdin (a scene each),
// to 4 decimals; with --each, then each scene's value to 2. Shared by the train/*.sh scripts.
//   for s in ...; do node bin/sarwatch.js score D/$s.csv S/$s/labels.csv --json; done | node train/score-mean.mjs f1_fishing
let text = '';
process.stdin.on('data', (d) => (text += d)).on('end', () => {
  const field = process.argv[2];
  const v = text.trim().split(/\n(?=\{)/).map((j) => JSON.parse(j)[field]);
  const mean = (v.reduce((a, b) => a + b, 0) / v.length).toFixed(4);
  console.log(process.argv.includes('--each') ? `${mean} (${v.map((x) => x.toFixed(2)).join(' ')})` : mean);
});
