/**
 * The pickle opcodes this codec knows, with the names pickletools gives them. The writer
 * emits a subset of them; the reader accepts exactly these and refuses every other byte.
 * Opcodes that run code or build arbitrary objects (BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX,
 * PERSID, BINPERSID, EXT1/2/4) are deliberately absent: see PICKLE_REFUSED_OPCODES.
 */
export const OP = {
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e, // '.'
  MARK: 0x28, // '('
  NONE: 0x4e, // 'N'
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT: 0x4a, // 'J'
  BININT1: 0x4b, // 'K'
  BININT2: 0x4d, // 'M'
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINFLOAT: 0x47, // 'G'
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE: 0x58, // 'X'
  BINUNICODE8: 0x8d,
  SHORT_BINBYTES: 0x43, // 'C'
  BINBYTES: 0x42, // 'B'
  BINBYTES8: 0x8e,
  BYTEARRAY8: 0x96,
  EMPTY_LIST: 0x5d, // ']'
  APPEND: 0x61, // 'a'
  APPENDS: 0x65, // 'e'
  EMPTY_TUPLE: 0x29, // ')'
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  TUPLE: 0x74, // 't'
  EMPTY_DICT: 0x7d, // '}'
  SETITEM: 0x73, // 's'
  SETITEMS: 0x75, // 'u'
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  MEMOIZE: 0x94,
  BINPUT: 0x71, // 'q'
  LONG_BINPUT: 0x72, // 'r'
  BINGET: 0x68, // 'h'
  LONG_BINGET: 0x6a, // 'j'
  GLOBAL: 0x63, // 'c'
  STACK_GLOBAL: 0x93,
  REDUCE: 0x52, // 'R'
} as const;

/**
 * Opcodes a hostile pickle uses to construct objects or call code, named so a refusal can
 * say which one it met. Any byte that is neither here nor in OP is refused as unknown.
 */
export const PICKLE_REFUSED_OPCODES: Readonly<Record<number, string>> = {
  0x62: 'BUILD',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x70: 'PUT',
  0x67: 'GET',
  0x49: 'INT',
  0x4c: 'LONG',
  0x46: 'FLOAT',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE',
  0x6c: 'LIST',
  0x64: 'DICT',
};

/** CPython's pickler ends a frame once it holds this many bytes; larger str and bytes payloads are written outside frames. */
export const FRAME_SIZE_TARGET = 64 * 1024;
/** A frame shorter than this gets no FRAME header (CPython's _FRAME_SIZE_MIN). */
export const FRAME_SIZE_MIN = 4;
/** FRAME opcode and its 8-byte length. */
export const FRAME_HEADER_SIZE = 9;
/** Items per APPENDS, SETITEMS or ADDITEMS, as CPython batches them. */
export const BATCH_SIZE = 1000;
