/** What an org, team, agent or user label may be (as attribution headers accept them). */
export const VALID_LABEL = /^[\w.@:/+-]{1,128}$/;
