/**
 * Errors from the codec's builders. Encoding only fails on a programming or configuration
 * mistake (a field out of range, an address of the wrong family), never on wire data, so
 * these are thrown; decoding never throws and returns a DecodeError instead (errors.ts).
 * Every code is listed in docs/error-codes.md.
 */
export const ENCODE_ERROR_CODES = [
  'ERR_CODEC_FIELD', // a header field outside its wire range
  'ERR_CODEC_ADDRESS', // an address that is not an address of the advert's family
  'ERR_CODEC_FAMILY', // IPv6 in VRRPv2, or a checksum form that does not exist for the family
  'ERR_CODEC_PSEUDO_HEADER', // v3 checksum needs src/dst addresses that were not given or do not parse
  'ERR_CODEC_MAC', // a MAC address that is not six hex octets
] as const;

export type EncodeErrorCode = (typeof ENCODE_ERROR_CODES)[number];

export class EncodeError extends Error {
  readonly code: EncodeErrorCode;

  constructor(code: EncodeErrorCode, message: string) {
    super(message);
    this.name = 'EncodeError';
    this.code = code;
  }
}
