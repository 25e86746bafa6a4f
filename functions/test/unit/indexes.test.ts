import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUERY_SHAPES, type QueryShape } from '../../src/data/queries';

interface IndexField {
  fieldPath: string;
  order?: string;
}
interface Index {
  collectionGroup: string;
  queryScope: string;
  fields: IndexField[];
}

const file = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'firestore.indexes.json'), 'utf8'),
) as {
  indexes: Index[];
};

/** An index serves the shape when it has the equality fields (any order) then the order-by field. */
function serves(index: Index, shape: QueryShape): boolean {
  if (index.collectionGroup !== shape.collectionGroup || index.queryScope !== 'COLLECTION') return false;
  const fields = index.fields.filter((f) => f.fieldPath !== '__name__');
  const last = fields[fields.length - 1];
  const equality = fields.slice(0, -1).map((f) => f.fieldPath);
  return (
    last?.fieldPath === shape.orderBy.field &&
    last.order === shape.orderBy.direction &&
    equality.length === shape.equality.length &&
    shape.equality.every((f) => equality.includes(f))
  );
}

describe('firestore.indexes.json', () => {
  it.each(QUERY_SHAPES.map((s) => [s.name, s] as const))('has an index for %s', (_name, shape) => {
    expect(file.indexes.some((index) => serves(index, shape))).toBe(true);
  });

  it('declares no index that no query uses', () => {
    const unused = file.indexes.filter((index) => !QUERY_SHAPES.some((shape) => serves(index, shape)));
    expect(unused).toEqual([]);
  });
});
