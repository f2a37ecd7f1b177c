/**
 * The zip records' signatures and fixed sizes (APPNOTE 6.3.x, section 4.3), shared by the writer
 * and the readers so that each number is written once. Only the fixed part of each record: the
 * variable-length name, extra field and comment follow it.
 */
export const LOCAL_HEADER = { signature: 0x04034b50, bytes: 30 } as const;
export const CENTRAL_HEADER = { signature: 0x02014b50, bytes: 46 } as const;
export const END_OF_CENTRAL_DIRECTORY = { signature: 0x06054b50, bytes: 22 } as const;
export const ZIP64_END_OF_CENTRAL_DIRECTORY = { signature: 0x06064b50, bytes: 56 } as const;
export const ZIP64_END_LOCATOR = { signature: 0x07064b50, bytes: 20 } as const;
/** A 16-bit count or 32-bit size at its maximum means the real value is in a zip64 record. */
export const U16_MAX = 0xffff;
export const U32_MAX = 0xffffffff;
