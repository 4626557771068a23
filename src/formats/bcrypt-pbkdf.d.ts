/** The bcrypt-pbkdf package (OpenBSD's bcrypt_pbkdf, as ssh2 and sshpk use it): the part used here. */
declare module 'bcrypt-pbkdf' {
  /** Fills `key` (keylen bytes) from pass and salt with `rounds` rounds; 0 on success, -1 on bad arguments. */
  export function pbkdf(
    pass: Uint8Array,
    passlen: number,
    salt: Uint8Array,
    saltlen: number,
    key: Uint8Array,
    keylen: number,
    rounds: number,
  ): number
}
