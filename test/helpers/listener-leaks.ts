/**
 * A test file fails on a MaxListenersExceededWarning in its own process: Node only warns about a
 * listener leak, once, and the warning scrolls by among passing tests.
 */
process.on('warning', (warning) => {
  if (warning.name === 'MaxListenersExceededWarning') throw warning;
});
