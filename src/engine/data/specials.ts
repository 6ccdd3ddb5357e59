export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;
/** The special tokens, indexed by id; every vocabulary starts with them. */
export const SPECIAL_TOKENS: readonly string[] = ['<pad>', '<bos>', '<eos>', '<unk>'];
/** What `decode` prints for `<unk>`: U+FFFD, the Unicode replacement character, which cannot be mistaken for data. */
export const UNKNOWN_TEXT = '\uFFFD';
/** The first id after the specials. */
export const FIRST_SYMBOL_ID = SPECIAL_TOKENS.length;
