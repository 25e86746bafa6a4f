// The naive path, for comparison only (never deployed): every request loads the model from the
// registry and reads Firestore, with no cache of any kind. Plain JS over the built functions.
const { initializeApp, getApps } = require('firebase-admin/app');
const { getFirestore } = require('firebase-admin/firestore');
const lib = '../../../functions/lib';
const { getGame, gameInfoOf } = require(`${lib}/services/games`);
const { getSport, stateBefore } = require(`${lib}/services/ratings`);
const { getModelDoc } = require(`${lib}/data/registry`);
const { loadArtifact } = require(`${lib}/services/registry`);
const { initBackend } = require(`${lib}/ml/backend`);
const { EnsembleModel } = require(`${lib}/ml/model`);
const { buildFeatures } = require(`${lib}/domain/features`);

exports.naive = async (req, res) => {
  if (getApps().length === 0) initializeApp();
  const db = getFirestore();
  await initBackend();
  const game = await getGame(db, String(req.query.gameId));
  if (!game) {
    res.status(404).json({ error: 'no such game' });
    return;
  }
  const sport = await getSport(db, game.sport);
  const modelDoc = await getModelDoc(db, sport.modelId);
  const model = await EnsembleModel.load(await loadArtifact(db, sport.modelId, modelDoc.activeVersion));
  try {
    const info = gameInfoOf(game);
    const state = await stateBefore(db, game.sport, info.date);
    const p = model.predictOne(buildFeatures(state, model.metadata.ratingParams, info).values);
    res.json({ gameId: game.gameId, homeWinProbability: p.probability });
  } finally {
    model.dispose();
  }
};
