package emulator

// Version identifies the emulator's behaviour. It is written into the
// cassette manifest beside every cassette recorded against the emulator;
// bump it whenever a change alters what the emulator answers, so that such
// cassettes can be told apart and re-recorded.
const Version = "0.3.0"
