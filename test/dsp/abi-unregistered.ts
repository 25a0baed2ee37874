// Test module: exports the ABI without registering a processor: jw_init must
// fail with JW_ERR_NO_PROCESSOR (1).
export * from "../../dsp-asm/abi";
