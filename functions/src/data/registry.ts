/**
 * The model registry in Firestore:
 *   models/{modelId}                          { sport, activeVersion, previousVersion, updatedAt }
 *   models/{modelId}/versions/{version}       { status, metadata, metrics, artifact: {chunks, bytes, sha256}, createdAt }
 *   models/{modelId}/versions/{version}/chunks/{sha16}_{i}  { data }   (the artifact JSON, in ≤ 900 KB slices;
 *                                                                      `{i}` alone for versions stored before)
 * Artifacts are small (tens of KB) but stored chunked so a larger one never hits the 1 MiB document
 * limit. The sha256 of the whole JSON is checked on load, so a partial or edited artifact is refused.
 * Chunk ids carry the artifact's hash, so two uploads of one version racing each other never mix
 * their chunks: the version document (created once, in a transaction) points at one set.
 */
import { createHash } from 'node:crypto';
import { FieldValue, type DocumentReference, type Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { Collections } from './collections';

export const CHUNK_CHARS = 900_000;

export const modelDocSchema = z.object({
  sport: z.string(),
  activeVersion: z.string().nullable(),
  previousVersion: z.string().nullable().optional(),
});
export type ModelDoc = z.infer<typeof modelDocSchema>;

export const versionDocSchema = z.object({
  status: z.enum(['ready', 'rejected']),
  metadata: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()).optional(),
  artifact: z.object({
    chunks: z.number().int().min(1),
    bytes: z.number().int(),
    sha256: z.string(),
    /** Chunk ids are `{chunkKey}_{i}`; absent for versions stored before (ids `{i}`). */
    chunkKey: z.string().optional(),
  }),
});
export type VersionDoc = z.infer<typeof versionDocSchema>;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function splitChunks(text: string, size = CHUNK_CHARS): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

const modelRef = (db: Firestore, modelId: string) => db.collection(Collections.models).doc(modelId);
const versionRef = (db: Firestore, modelId: string, version: string) =>
  modelRef(db, modelId).collection('versions').doc(version);
const chunkId = (chunkKey: string | undefined, i: number) => (chunkKey ? `${chunkKey}_${i}` : String(i));

/**
 * Stores a validated version: chunks first (under ids carrying the artifact's hash), then, in a
 * transaction, the version document that points at them, so a reader never sees a version whose
 * chunks are missing. Storing the same artifact again is a no-op (`exists`); another artifact under
 * a stored version is refused (`conflict`), whichever of two racing uploads comes second.
 */
export async function putVersion(
  db: Firestore,
  input: {
    modelId: string;
    sport: string;
    version: string;
    artifactJson: string;
    metadata: object;
    metrics?: object;
  },
): Promise<'created' | 'exists' | 'conflict'> {
  const ref = versionRef(db, input.modelId, input.version);
  const hash = sha256(input.artifactJson);
  const sameAs = (doc: { exists: boolean; data(): unknown }) =>
    versionDocSchema.parse(doc.data()).artifact.sha256 === hash ? ('exists' as const) : ('conflict' as const);
  const existing = await ref.get();
  if (existing.exists) return sameAs(existing);
  const chunkKey = hash.slice(0, 16);
  const chunks = splitChunks(input.artifactJson);
  const chunkRefs = chunks.map((_, i) => ref.collection('chunks').doc(chunkId(chunkKey, i)));
  const batch = db.batch();
  chunks.forEach((data, i) => batch.set(chunkRefs[i] as DocumentReference, { data }));
  await batch.commit();
  const outcome = await db.runTransaction(async (tx) => {
    const [model, version] = await Promise.all([tx.get(modelRef(db, input.modelId)), tx.get(ref)]);
    if (version.exists) return sameAs(version);
    if (!model.exists) {
      tx.create(modelRef(db, input.modelId), {
        sport: input.sport,
        activeVersion: null,
        previousVersion: null,
        updatedAt: FieldValue.serverTimestamp(),
      });
    }
    tx.create(ref, {
      status: 'ready',
      metadata: input.metadata,
      ...(input.metrics ? { metrics: input.metrics } : {}),
      artifact: { chunks: chunks.length, bytes: input.artifactJson.length, sha256: hash, chunkKey },
      createdAt: FieldValue.serverTimestamp(),
    });
    return 'created' as const;
  });
  if (outcome === 'conflict') {
    // The other upload won: its chunks are under its own hash; drop ours.
    const cleanup = db.batch();
    for (const chunk of chunkRefs) cleanup.delete(chunk);
    await cleanup.commit();
  }
  return outcome;
}

/** The artifact JSON of a version, verified against its sha256; null if the version is unknown. */
export async function readArtifactJson(
  db: Firestore,
  modelId: string,
  version: string,
): Promise<string | null> {
  const snap = await versionRef(db, modelId, version).get();
  if (!snap.exists) return null;
  const doc = versionDocSchema.parse(snap.data());
  const refs = Array.from({ length: doc.artifact.chunks }, (_, i) =>
    versionRef(db, modelId, version).collection('chunks').doc(chunkId(doc.artifact.chunkKey, i)),
  );
  const chunks = await db.getAll(...refs);
  const text = chunks.map((c) => z.object({ data: z.string() }).parse(c.data()).data).join('');
  if (sha256(text) !== doc.artifact.sha256) {
    throw new Error(`artifact ${modelId}@${version} does not match its sha256 (partial or edited)`);
  }
  return text;
}

export async function getModelDoc(db: Firestore, modelId: string): Promise<ModelDoc | null> {
  const snap = await modelRef(db, modelId).get();
  return snap.exists ? modelDocSchema.parse(snap.data()) : null;
}

export async function getVersionDoc(
  db: Firestore,
  modelId: string,
  version: string,
): Promise<VersionDoc | null> {
  const snap = await versionRef(db, modelId, version).get();
  return snap.exists ? versionDocSchema.parse(snap.data()) : null;
}

export interface ModelSummary {
  modelId: string;
  sport: string;
  activeVersion: string | null;
  previousVersion: string | null;
  versions: {
    version: string;
    status: string;
    metrics?: Record<string, unknown>;
    createdAt: string | null;
  }[];
}

export async function listModels(db: Firestore): Promise<ModelSummary[]> {
  const models = await db.collection(Collections.models).get();
  return Promise.all(
    models.docs.map(async (m) => {
      const doc = modelDocSchema.parse(m.data());
      const versions = await m.ref.collection('versions').orderBy('createdAt', 'desc').get();
      return {
        modelId: m.id,
        sport: doc.sport,
        activeVersion: doc.activeVersion,
        previousVersion: doc.previousVersion ?? null,
        versions: versions.docs.map((v) => {
          const vd = versionDocSchema.parse(v.data());
          const created = v.get('createdAt') as { toDate(): Date } | undefined;
          return {
            version: v.id,
            status: vd.status,
            ...(vd.metrics ? { metrics: vd.metrics } : {}),
            createdAt: created ? created.toDate().toISOString() : null,
          };
        }),
      };
    }),
  );
}

/**
 * Makes `version` active (it must exist and be ready); the old active one becomes `previousVersion`,
 * and the model becomes the one its sport serves (`sports/{sport}.modelId`), in the same
 * transaction: a reader never sees one without the other.
 */
export async function activateVersion(
  db: Firestore,
  modelId: string,
  version: string,
): Promise<
  | { activeVersion: string; previousVersion: string | null; sport: string }
  | 'unknown-model'
  | 'unknown-version'
> {
  return db.runTransaction(async (tx) => {
    const [model, v] = await Promise.all([
      tx.get(modelRef(db, modelId)),
      tx.get(versionRef(db, modelId, version)),
    ]);
    if (!model.exists) return 'unknown-model';
    if (!v.exists || versionDocSchema.parse(v.data()).status !== 'ready') return 'unknown-version';
    const doc = modelDocSchema.parse(model.data());
    const previousVersion = doc.activeVersion === version ? (doc.previousVersion ?? null) : doc.activeVersion;
    tx.update(modelRef(db, modelId), {
      activeVersion: version,
      previousVersion,
      updatedAt: FieldValue.serverTimestamp(),
    });
    tx.set(
      db.collection(Collections.sports).doc(doc.sport),
      { modelId, updatedAt: FieldValue.serverTimestamp() },
      { merge: true },
    );
    return { activeVersion: version, previousVersion, sport: doc.sport };
  });
}
