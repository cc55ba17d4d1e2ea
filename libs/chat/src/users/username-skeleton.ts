import unhomoglyph from 'unhomoglyph';

/** UTS #39 skeleton: NFD, each confusable character to its prototype (unhomoglyph), NFD. */
function skeleton(text: string): string {
  return unhomoglyph(text.normalize('NFD')).normalize('NFD');
}

/**
 * What a username looks like, for telling look-alikes apart: two names with one key would be
 * read as the same name (`PabIo` and `Pablo`, `rnary` and `mary`, `Pabl0` and `pablo`). Spellings
 * that differ only in case are one name already (the names index); beyond that a reader ignores
 * case too, so: skeleton, lower case, and skeleton again, because lowering can make a new
 * confusable (`M` → `m`, which reads as `rn`).
 */
export function usernameSkeleton(username: string): string {
  return skeleton(skeleton(username).toLowerCase()).toLowerCase();
}
